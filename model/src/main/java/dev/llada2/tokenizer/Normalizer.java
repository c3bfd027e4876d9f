package dev.llada2.tokenizer;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code normalizer} of a tokenizer.json: rewrites the text between added tokens before it is
 * pre-tokenized. Supported types: {@code NFC}, {@code NFD}, {@code NFKC}, {@code NFKD},
 * {@code Lowercase}, {@code Replace}, {@code Prepend}, {@code Strip}, {@code Sequence}; JSON
 * {@code null} is no normalizer.
 */
sealed interface Normalizer {

    String normalize(String text);

    /** No normalizer. */
    Normalizer NONE = new Sequence(List.of());

    /** A Unicode normalization form, from {@code java.text.Normalizer} (Unicode 16 on JDK 25). */
    record Unicode(java.text.Normalizer.Form form) implements Normalizer {
        @Override
        public String normalize(String text) {
            return java.text.Normalizer.normalize(text, form);
        }
    }

    /**
     * Full Unicode lower-casing, character by character and without locale (so {@code İ} becomes
     * {@code i̇} and a final {@code Σ} becomes {@code σ}, never {@code ς}), as the reference does.
     */
    record Lowercase() implements Normalizer {
        @Override
        public String normalize(String text) {
            StringBuilder out = new StringBuilder(text.length());
            for (int i = 0; i < text.length(); ) {
                int cp = text.codePointAt(i);
                i += Character.charCount(cp);
                if (cp < 0x80) {
                    out.append((char) (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
                } else {
                    // One character alone: String.toLowerCase applies the full (multi-character)
                    // mapping but has no context for the final-sigma rule.
                    out.append(Character.toString(cp).toLowerCase(Locale.ROOT));
                }
            }
            return out.toString();
        }
    }

    /** Replaces every match of a pattern ({@code {"String": ...}} or {@code {"Regex": ...}}) by {@code content}. */
    record Replace(Pattern pattern, String content) implements Normalizer {
        @Override
        public String normalize(String text) {
            return pattern.matcher(text).replaceAll(Matcher.quoteReplacement(content));
        }
    }

    /** Puts {@code prepend} in front of non-empty text. */
    record Prepend(String prepend) implements Normalizer {
        @Override
        public String normalize(String text) {
            return text.isEmpty() ? text : prepend + text;
        }
    }

    /** Removes White_Space characters at the left and/or right end. */
    record Strip(boolean left, boolean right) implements Normalizer {
        @Override
        public String normalize(String text) {
            int start = 0;
            int end = text.length();
            while (left && start < end && CharClasses.isWhiteSpace(text.codePointAt(start))) {
                start += Character.charCount(text.codePointAt(start));
            }
            while (right && end > start && CharClasses.isWhiteSpace(text.codePointBefore(end))) {
                end -= Character.charCount(text.codePointBefore(end));
            }
            return text.substring(start, end);
        }
    }

    /** Applies each normalizer in order. */
    record Sequence(List<Normalizer> steps) implements Normalizer {

        public Sequence {
            steps = List.copyOf(steps);
        }

        @Override
        public String normalize(String text) {
            for (Normalizer step : steps) {
                text = step.normalize(text);
            }
            return text;
        }
    }

    /** Reads a {@code normalizer} value (an object or null). */
    static Normalizer parse(Json json) {
        if (json.isAbsent()) {
            return NONE;
        }
        String type = json.type();
        return switch (type) {
            case "NFC" -> new Unicode(java.text.Normalizer.Form.NFC);
            case "NFD" -> new Unicode(java.text.Normalizer.Form.NFD);
            case "NFKC" -> new Unicode(java.text.Normalizer.Form.NFKC);
            case "NFKD" -> new Unicode(java.text.Normalizer.Form.NFKD);
            case "Lowercase" -> new Lowercase();
            case "Replace" -> new Replace(SplitPattern.Regex.parse(json.get("pattern")).pattern(), json.string("content"));
            case "Prepend" -> new Prepend(json.string("prepend"));
            case "Strip" -> new Strip(json.bool("strip_left", true), json.bool("strip_right", true));
            case "Sequence" -> new Sequence(json.elements("normalizers").stream().map(Normalizer::parse).toList());
            default -> throw json.get("type").unsupported("normalizer", type,
                    "NFC, NFD, NFKC, NFKD, Lowercase, Replace, Prepend, Strip, Sequence");
        };
    }
}
