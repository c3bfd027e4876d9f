package dev.llada2.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code pre_tokenizer} of a tokenizer.json: cuts normalized text into the pieces ("words")
 * that the model encodes one by one; no token ever spans two pieces. Supported types:
 * {@code Split}, {@code ByteLevel}, {@code Digits}, {@code Whitespace}, {@code WhitespaceSplit},
 * {@code Sequence}; JSON {@code null} is no pre-tokenizer (the whole text is one piece).
 * Digits, Whitespace and WhitespaceSplit are particular Splits and are built as such.
 */
sealed interface PreTokenizer {

    /** Appends the pieces of one piece to {@code out}; never appends an empty piece. */
    void split(String piece, List<String> out);

    /** The pieces of {@code text}, empty for the empty text. */
    default List<String> apply(String text) {
        List<String> out = new ArrayList<>();
        if (!text.isEmpty()) {
            split(text, out);
        }
        return out;
    }

    /** No pre-tokenizer: the text is one piece. */
    PreTokenizer NONE = new Sequence(List.of());

    /** Cuts at the matches of a pattern; {@code invert} swaps matches and gaps. */
    record Split(SplitPattern pattern, SplitBehavior behavior, boolean invert) implements PreTokenizer {

        /** {@code Digits}: numeric characters alone, or runs of them, become pieces. */
        static Split digits(boolean individualDigits) {
            return new Split(SplitPattern.CharClass.NUMERIC,
                    individualDigits ? SplitBehavior.Isolated : SplitBehavior.Contiguous, false);
        }

        /** {@code Whitespace}: runs of word characters and runs of other non-space characters. */
        static Split whitespace() {
            return new Split(new SplitPattern.Regex(Pattern.compile("\\w+|[^\\w\\s]+",
                    Pattern.UNICODE_CHARACTER_CLASS)), SplitBehavior.Removed, true);
        }

        /** {@code WhitespaceSplit}: cuts at White_Space characters, which are dropped. */
        static Split whitespaceSplit() {
            return new Split(SplitPattern.CharClass.WHITE_SPACE, SplitBehavior.Removed, false);
        }

        @Override
        public void split(String piece, List<String> out) {
            behavior.split(piece, pattern.spans(piece, invert), out);
        }
    }

    /**
     * Byte-level: optionally a leading space ({@code add_prefix_space}, when the piece does not
     * already start with one), optionally the GPT-2 split ({@code use_regex}), then every piece is
     * rewritten as its UTF-8 bytes in the {@link ByteLevelAlphabet}.
     */
    record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {

        /** The GPT-2 pre-tokenization regex (used when {@code use_regex} is true). */
        static final Split GPT2_SPLIT = new Split(new SplitPattern.Regex(Pattern.compile(
                "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
                Pattern.UNICODE_CHARACTER_CLASS)), SplitBehavior.Isolated, false);

        @Override
        public void split(String piece, List<String> out) {
            String text = addPrefixSpace && !piece.startsWith(" ") ? " " + piece : piece;
            if (!useRegex) {
                out.add(ByteLevelAlphabet.encode(text));
                return;
            }
            for (String word : GPT2_SPLIT.apply(text)) {
                out.add(ByteLevelAlphabet.encode(word));
            }
        }
    }

    /** Applies each pre-tokenizer to every piece the previous one produced. */
    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {

        public Sequence {
            steps = List.copyOf(steps);
        }

        @Override
        public void split(String piece, List<String> out) {
            List<String> pieces = List.of(piece);
            for (PreTokenizer step : steps) {
                List<String> next = new ArrayList<>(pieces.size() * 2);
                for (String p : pieces) {
                    step.split(p, next);
                }
                pieces = next;
            }
            out.addAll(pieces);
        }
    }

    /** Reads a {@code pre_tokenizer} value (an object or null). */
    static PreTokenizer parse(Json json) {
        if (json.isAbsent()) {
            return NONE;
        }
        String type = json.type();
        return switch (type) {
            case "Split" -> new Split(SplitPattern.Regex.parse(json.get("pattern")), behavior(json), json.bool("invert", false));
            case "ByteLevel" -> new ByteLevel(json.bool("add_prefix_space", true), json.bool("use_regex", true));
            case "Digits" -> Split.digits(json.bool("individual_digits", false));
            case "Whitespace" -> Split.whitespace();
            case "WhitespaceSplit" -> Split.whitespaceSplit();
            case "Sequence" -> new Sequence(json.elements("pretokenizers").stream().map(PreTokenizer::parse).toList());
            default -> throw json.get("type").unsupported("pre_tokenizer", type,
                    "Split, ByteLevel, Digits, Whitespace, WhitespaceSplit, Sequence");
        };
    }

    private static SplitBehavior behavior(Json json) {
        String name = json.string("behavior");
        for (SplitBehavior b : SplitBehavior.values()) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        throw json.get("behavior").error("unknown behavior \"" + name
                + "\" (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
    }
}
