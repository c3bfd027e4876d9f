package dev.llada2.weights;

import java.util.List;

/**
 * What binding a checkpoint to the architecture found. Missing, mis-shaped and unusable tensors
 * are errors; unexpected ones are reported and ignored (the official loader ignores them too).
 */
public record BindReport(List<String> missing, List<String> shapeMismatches, List<String> unusableDtypes,
                         List<String> unexpected) {

    public boolean ok() {
        return missing.isEmpty() && shapeMismatches.isEmpty() && unusableDtypes.isEmpty();
    }

    /** A multi-line description of the problems, at most {@code limit} lines per kind. */
    public String describe(int limit) {
        StringBuilder sb = new StringBuilder();
        section(sb, "missing tensors", missing, limit);
        section(sb, "shape mismatches", shapeMismatches, limit);
        section(sb, "unsupported dtypes", unusableDtypes, limit);
        section(sb, "unexpected tensors (ignored)", unexpected, limit);
        return sb.toString().stripTrailing();
    }

    private static void section(StringBuilder sb, String title, List<String> items, int limit) {
        if (items.isEmpty()) {
            return;
        }
        sb.append("  ").append(items.size()).append(' ').append(title).append(":\n");
        items.stream().limit(limit).forEach(i -> sb.append("    ").append(i).append('\n'));
        if (items.size() > limit) {
            sb.append("    ... and ").append(items.size() - limit).append(" more\n");
        }
    }
}
