package dev.llada2.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.llada2.tokenizer.TokenizerJsonBuilder.component;
import static org.junit.jupiter.api.Assertions.assertEquals;

class DecoderTest {

    private static List<String> decode(String json, String... tokens) {
        return Decoder.parse(component(json)).decodeChain(List.of(tokens));
    }

    @Test
    void byteLevelJoinsBytesAcrossTokens() {
        assertEquals(List.of("é中 x"), decode("{\"type\": \"ByteLevel\"}", "Ã", "©ä¸", "Ń", "Ġx"));
        // A token with a character outside the alphabet contributes its own UTF-8 bytes, all of them.
        assertEquals(List.of("<|x|>Ġ中 a"), decode("{\"type\": \"ByteLevel\"}", "<|x|>", "Ġ中", "Ġa"));
    }

    @Test
    void byteFallbackRuns() {
        assertEquals(List.of("a", "é", "b"), decode("{\"type\": \"ByteFallback\"}", "a", "<0xC3>", "<0xA9>", "b"));
        assertEquals(List.of("\uFFFD\uFFFD", "b"), decode("{\"type\": \"ByteFallback\"}", "<0xE4>", "<0xBD>", "b"));
        assertEquals(List.of("<0xZZ>"), decode("{\"type\": \"ByteFallback\"}", "<0xZZ>"));
    }

    @Test
    void llama2StyleSequence() {
        String json = """
                {"type": "Sequence", "decoders": [
                  {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                  {"type": "ByteFallback"}, {"type": "Fuse"},
                  {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}""";
        assertEquals(List.of("Hello world é"), decode(json, "\u2581Hello", "\u2581wor", "ld", "\u2581", "<0xC3>", "<0xA9>"));
        assertEquals(List.of(" two"), decode(json, "\u2581", "\u2581two"));
    }

    @Test
    void stripCountsFromBothEnds() {
        assertEquals(List.of("x__", "", "a"), decode("{\"type\": \"Strip\", \"content\": \"_\", \"start\": 2, \"stop\": 1}",
                "__x___", "_", "a"));
    }
}
