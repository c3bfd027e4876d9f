package dev.llada2.profiles;

import java.util.regex.Pattern;

/**
 * {@code placement.rules[i]}: every checkpoint tensor whose name matches {@code pattern} goes to
 * {@code device}. Rules apply last, in order, so a later rule overrides an earlier one and every
 * rule overrides the structural keys (layers, experts, expert_offload).
 *
 * <p>Glob syntax: {@code *} matches any run of characters (dots included), {@code ?} one character,
 * everything else itself; the pattern must match the whole name. {@code model.layers.1?.mlp.experts.*}
 * is every routed-expert tensor of layers 10-19.
 *
 * @param jsonPath where the rule was written
 */
public record PlacementRule(String pattern, String device, String jsonPath) {

    public PlacementRule {
        if (pattern == null || pattern.isBlank()) {
            throw new IllegalArgumentException("pattern: expected a glob over tensor names (e.g."
                    + " \"model.layers.*.mlp.experts.*\"), found " + (pattern == null ? "nothing" : "\"\""));
        }
    }

    /** The pattern as a regular expression; use {@code compile().matcher(name).matches()}. */
    public Pattern compile() {
        StringBuilder re = new StringBuilder();
        for (char ch : pattern.toCharArray()) {
            switch (ch) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(ch)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
