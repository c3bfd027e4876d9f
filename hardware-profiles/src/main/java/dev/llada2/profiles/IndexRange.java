package dev.llada2.profiles;

/**
 * An inclusive range of layer or expert indexes, written {@code "a-b"} (or {@code "a"} for one) in profiles.
 *
 * @param first first index, >= 0
 * @param last  last index, >= first
 */
public record IndexRange(int first, int last) {

    public IndexRange {
        if (first < 0 || last < first) {
            throw new IllegalArgumentException("expected a range \"a-b\" with 0 <= a <= b, found " + first + "-" + last);
        }
    }

    /**
     * Parses {@code "a-b"} or {@code "a"}.
     *
     * @throws IllegalArgumentException naming the expected syntax and what was found
     */
    public static IndexRange parse(String text) {
        String[] parts = text.split("-", -1);
        boolean digits = parts.length <= 2 && java.util.Arrays.stream(parts).allMatch(p -> p.matches("\\d{1,6}"));
        if (!digits) {
            throw new IllegalArgumentException("expected a range \"a-b\" or a single index \"a\" (e.g. \"0-9\"),"
                    + " found \"" + text + "\"");
        }
        int a = Integer.parseInt(parts[0]);
        int b = parts.length == 2 ? Integer.parseInt(parts[1]) : a;
        if (b < a) {
            throw new IllegalArgumentException("expected a range \"a-b\" with a <= b, found \"" + text + "\"");
        }
        return new IndexRange(a, b);
    }

    @Override
    public String toString() {
        return first == last ? Integer.toString(first) : first + "-" + last;
    }
}
