package dev.llada2.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerApiTest {

    @TempDir
    Path dir;

    private Tokenizer tiny() {
        return TokenizerJsonBuilder.byteLevel().merge("Ġ", "a").special("<|end|>")
                .set("post_processor", """
                        {"type": "TemplateProcessing",
                         "single": [{"SpecialToken": {"id": "<|end|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                         "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                         "special_tokens": {"<|end|>": {"id": "<|end|>", "ids": [257], "tokens": ["<|end|>"]}}}""")
                .load(dir);
    }

    @Test
    void lookups() {
        Tokenizer t = tiny();
        assertEquals(OptionalInt.of(256), t.idOf("Ġa"));
        assertEquals(OptionalInt.of(257), t.idOf("<|end|>"));
        assertEquals(OptionalInt.empty(), t.idOf("nope"));
        assertEquals(Optional.of("Ġa"), t.tokenOf(256));
        assertEquals(Optional.of("<|end|>"), t.tokenOf(257));
        assertEquals(Optional.empty(), t.tokenOf(258));
        assertEquals(Optional.empty(), t.tokenOf(-1));
        assertTrue(t.isSpecial(257));
        assertFalse(t.isSpecial(256));
        assertFalse(t.isSpecial(9999));
        assertEquals(258, t.size());
        assertEquals(dir.resolve("tokenizer.json").toAbsolutePath(), t.source());
    }

    @Test
    void loadsFromModelDirectory() {
        tiny();
        Tokenizer t = Tokenizer.load(dir);
        assertEquals(dir.resolve("tokenizer.json").toAbsolutePath(), t.source());
    }

    @Test
    void encodeDecodeWithAndWithoutSpecialTokens() {
        Tokenizer t = tiny();
        assertArrayEquals(new int[]{'b', 256}, t.encode("b a", false));
        assertArrayEquals(new int[]{257, 'b', 256}, t.encode("b a", true));
        assertArrayEquals(new int[]{257}, t.encode("", true));
        assertArrayEquals(new int[0], t.encode("", false));
        assertEquals("<|end|>b a", t.decode(new int[]{257, 'b', 256}, false));
        assertEquals("b a", t.decode(new int[]{257, 'b', 256, 100000, -3}, true));
    }

    @Test
    void noDecoderJoinsTokensWithSpaces() {
        Tokenizer t = TokenizerJsonBuilder.plain().token("a").token("b").load(dir);
        assertEquals("a b a", t.decode(new int[]{0, 1, 0}, false));
    }
}
