package dev.llada2.tokenizer;

import dev.llada2.errors.LladaException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.llada2.tokenizer.TokenizerJsonBuilder.component;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreTokenizerTest {

    private static List<String> split(String json, String text) {
        return PreTokenizer.parse(component(json)).apply(text);
    }

    private static String splitOn(String pattern, String behavior, boolean invert) {
        return "{\"type\": \"Split\", \"pattern\": " + pattern + ", \"behavior\": \"" + behavior + "\", \"invert\": "
                + invert + "}";
    }

    @Test
    void splitBehaviours() {
        String dash = "{\"String\": \"-\"}";
        assertEquals(List.of("a", "b"), split(splitOn(dash, "Removed", false), "a--b-"));
        assertEquals(List.of("a", "-", "-", "b", "-"), split(splitOn(dash, "Isolated", false), "a--b-"));
        assertEquals(List.of("a-", "-", "b-"), split(splitOn(dash, "MergedWithPrevious", false), "a--b-"));
        assertEquals(List.of("a", "-", "-b", "-"), split(splitOn(dash, "MergedWithNext", false), "a--b-"));
        assertEquals(List.of("a", "--", "b", "-"), split(splitOn(dash, "Contiguous", false), "a--b-"));
        assertEquals(List.of("-", "-b", "-"), split(splitOn(dash, "MergedWithNext", false), "--b-"));
    }

    @Test
    void splitInvertSwapsMatchesAndGaps() {
        String dash = "{\"String\": \"-\"}";
        assertEquals(List.of("-", "-", "-", "-"), split(splitOn(dash, "Removed", true), "-ab--c-"));
        // Inverted, the letters are the matches: they join the dashes before them.
        assertEquals(List.of("-ab", "-", "-c", "-"), split(splitOn(dash, "MergedWithPrevious", true), "-ab--c-"));
    }

    @Test
    void splitRegexUsesUnicodeClassesAndPossessiveQuantifiers() {
        String json = splitOn("{\"Regex\": \"\\\\s+|[^\\\\s\\\\p{L}]++|\\\\p{L}+\"}", "Isolated", false);
        assertEquals(List.of("naïve", "\u3000", "ß", "\u00A0", "42!"), split(json, "naïve\u3000ß\u00A042!"));
    }

    @Test
    void digits() {
        assertEquals(List.of("abc", "1", "2", "3", "de", "\u00B2", "\u0661"),
                split("{\"type\": \"Digits\", \"individual_digits\": true}", "abc123de\u00B2\u0661"));
        assertEquals(List.of("abc", "123", "de", "\u00B2\u0661"),
                split("{\"type\": \"Digits\", \"individual_digits\": false}", "abc123de\u00B2\u0661"));
    }

    @Test
    void whitespaceAndWhitespaceSplit() {
        assertEquals(List.of("Hello", ",", "wörld", "!?", "x_1"),
                split("{\"type\": \"Whitespace\"}", "Hello, wörld!? \u3000x_1"));
        assertEquals(List.of("a", "b,", "c"), split("{\"type\": \"WhitespaceSplit\"}", "a\u00A0b,  c\u2028"));
    }

    @Test
    void byteLevelPrefixSpaceAndGpt2Regex() {
        assertEquals(List.of("ĠHello", "Ġworld", "'s", "Ġ12", "!!", "Ġ", "ĠÃ©"),
                split("{\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"use_regex\": true}", "Hello world's 12!!  é"));
        assertEquals(List.of("ĠĠa"), split("{\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"use_regex\": false}", "  a"));
        assertEquals(List.of("Ã©ä¸Ń"), split("{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}", "é中"));
    }

    @Test
    void sequenceAndNull() {
        assertEquals(List.of("Ġa", "1", "2"), split("{\"type\": \"Sequence\", \"pretokenizers\": ["
                + "{\"type\": \"Digits\", \"individual_digits\": true},"
                + "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}]}", " a12"));
        assertEquals(List.of("a b"), split("null", "a b"));
        assertEquals(List.of(), split("null", ""));
    }

    @Test
    void malformedSplitsNameTheirPath() {
        LladaException e = assertThrows(LladaException.class,
                () -> split(splitOn("{\"String\": \"-\"}", "Sideways", false), "x"));
        assertTrue(e.getMessage().startsWith("test.json: component.behavior: unknown behavior \"Sideways\""), e.getMessage());
        e = assertThrows(LladaException.class, () -> split(splitOn("{\"Regex\": \"(unclosed\"}", "Isolated", false), "x"));
        assertTrue(e.getMessage().startsWith("test.json: component.pattern.Regex: the regular expression (unclosed is not valid"),
                e.getMessage());
        e = assertThrows(LladaException.class, () -> split(splitOn("{\"Glob\": \"*\"}", "Isolated", false), "x"));
        assertTrue(e.getMessage().contains("component.pattern: expected {\"Regex\": ...} or {\"String\": ...}"), e.getMessage());
        e = assertThrows(LladaException.class, () -> split("{\"type\": \"Metaspace\"}", "x"));
        assertTrue(e.getMessage().contains("component.type: pre_tokenizer type \"Metaspace\" is not supported"), e.getMessage());
    }
}
