package dev.llada2.tokenizer;

import dev.llada2.errors.LladaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoTokenizerTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsThroughTokenizerLoad() {
        Path file = dir.resolve("tokenizer.json");
        LLaDA2SpecialTokens ids = DemoTokenizer.write(file, 1024);
        Tokenizer t = Tokenizer.load(file);
        assertEquals(ids, LLaDA2SpecialTokens.resolve(t), "the returned ids are those the file gives by name");
        // Special tokens come right after the byte tokens and the merges, in a fixed order.
        assertEquals(List.of(t.size() - 5, t.size() - 4, t.size() - 3, t.size() - 2, t.size() - 1),
                List.of(ids.endOfText(), ids.mask(), ids.roleEnd(), ids.roleOpen(), ids.roleClose()));
        assertTrue(t.size() > 256 + 300 && t.size() <= 256 + DemoTokenizer.MAX_MERGES + 5, "size " + t.size());
        for (String text : List.of("The model writes an answer.", "Hello! How are you today?", "naïve café 中文 👍🏽\r\n\t",
                "It's 42, isn't it?", "")) {
            int[] encoded = t.encode(text, false);
            assertTrue(Arrays.stream(encoded).allMatch(id -> id >= 0 && id < 1024), text);
            assertEquals(text, t.decode(encoded, false));
        }
        assertTrue(t.encode("The model writes an answer.", false).length < 12, "the merges shorten common English");
        String prompt = ChatTemplate.render(List.of(ChatMessage.user("Hello")), true);
        int[] encoded = t.encode(prompt, false);
        assertEquals(ids.roleOpen(), encoded[0]);
        assertEquals(ids.roleClose(), encoded[encoded.length - 1]);
        assertEquals(prompt, t.decode(encoded, false));
    }

    @Test
    void smallVocabularyLimitsMergesAndIsDeterministic() throws Exception {
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        LLaDA2SpecialTokens ids = DemoTokenizer.write(a, 300);
        DemoTokenizer.write(b, 300);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        Tokenizer t = Tokenizer.load(a);
        assertEquals(300, t.size(), "39 merges fill the 300 ids exactly");
        assertEquals(299, ids.roleClose());
        assertEquals("Hello world", t.decode(t.encode("Hello world", false), false));
    }

    @Test
    void tooSmallVocabularyIsAnInputError() {
        LladaException e = assertThrows(LladaException.class, () -> DemoTokenizer.write(dir.resolve("x.json"), 260));
        assertEquals("demo tokenizer: vocabulary size 260 is too small; it needs at least 261 (256 byte tokens and 5"
                + " special tokens)", e.getMessage());
    }
}
