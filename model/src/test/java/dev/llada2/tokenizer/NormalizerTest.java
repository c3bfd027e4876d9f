package dev.llada2.tokenizer;

import org.junit.jupiter.api.Test;

import static dev.llada2.tokenizer.TokenizerJsonBuilder.component;
import static org.junit.jupiter.api.Assertions.assertEquals;

class NormalizerTest {

    private static String normalize(String json, String text) {
        return Normalizer.parse(component(json)).normalize(text);
    }

    @Test
    void unicodeForms() {
        assertEquals("\u00E9", normalize("{\"type\": \"NFC\"}", "e\u0301"));
        assertEquals("e\u0301", normalize("{\"type\": \"NFD\"}", "\u00E9"));
        assertEquals("fi1 A", normalize("{\"type\": \"NFKC\"}", "\uFB01\u2460\u3000\uFF21"));
        assertEquals("fi1e\u0301", normalize("{\"type\": \"NFKD\"}", "\uFB01\u2460\u00E9"));
    }

    @Test
    void lowercaseIsPerCharacterFullMappingWithoutLocale() {
        // İ has a two-character lower case; a final capital sigma becomes σ, not ς (no context).
        assertEquals("hello σασ i\u0307", normalize("{\"type\": \"Lowercase\"}", "HeLLo ΣΑΣ \u0130"));
        assertEquals("\uD801\uDC28", normalize("{\"type\": \"Lowercase\"}", "\uD801\uDC00"));  // Deseret
    }

    @Test
    void replaceStringAndRegex() {
        assertEquals("a\u2581\u2581b", normalize(
                "{\"type\": \"Replace\", \"pattern\": {\"String\": \" \"}, \"content\": \"\u2581\"}", "a  b"));
        assertEquals("a.b$1", normalize(
                "{\"type\": \"Replace\", \"pattern\": {\"String\": \"+\"}, \"content\": \"$1\"}", "a.b+"));
        assertEquals("a b c", normalize(
                "{\"type\": \"Replace\", \"pattern\": {\"Regex\": \"\\\\s{2,}\"}, \"content\": \" \"}", "a \u3000 b  c"));
    }

    @Test
    void prependOnlyToNonEmptyText() {
        String json = "{\"type\": \"Prepend\", \"prepend\": \"\u2581\"}";
        assertEquals("\u2581x", normalize(json, "x"));
        assertEquals("", normalize(json, ""));
    }

    @Test
    void stripWhiteSpaceProperty() {
        assertEquals("a\u200B", normalize("{\"type\": \"Strip\", \"strip_left\": true, \"strip_right\": true}",
                "\u3000 a\u200B\u00A0\n"));  // U+200B is not White_Space
        assertEquals("a ", normalize("{\"type\": \"Strip\", \"strip_left\": true, \"strip_right\": false}", "\t a "));
    }

    @Test
    void sequenceAppliesInOrderAndNullIsIdentity() {
        assertEquals("\u2581hello\u2581world", normalize("{\"type\": \"Sequence\", \"normalizers\": ["
                + "{\"type\": \"Lowercase\"}, {\"type\": \"Prepend\", \"prepend\": \" \"},"
                + "{\"type\": \"Replace\", \"pattern\": {\"String\": \" \"}, \"content\": \"\u2581\"}]}", "Hello World"));
        assertEquals("Ω", normalize("null", "Ω"));
    }
}
