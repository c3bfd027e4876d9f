package dev.llada2.tokenizer;

import dev.llada2.errors.LladaException;
import dev.llada2.testing.LLaDA2Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LLaDA2SpecialTokensTest {

    @Test
    void resolvedByNameFromAnLLaDA2StyleTokenizer(@TempDir Path dir) {
        Tokenizer t = Tokenizer.load(LLaDA2Tokenizers.fromQwen3(dir));
        LLaDA2SpecialTokens s = LLaDA2SpecialTokens.resolve(t);
        // qwen3 has <|endoftext|> (151643) and ids up to 151668; the four new tokens follow.
        assertEquals(151643, s.endOfText());
        assertEquals(151669, s.mask());
        assertEquals(151670, s.roleEnd());
        assertEquals(151671, s.roleOpen());
        assertEquals(151672, s.roleClose());
        assertEquals(t.source(), s.source());
        assertTrue(t.isSpecial(s.mask()));
        assertDoesNotThrow(() -> s.verifyMaskId(151669, "config.json mask_token_id"));
    }

    @Test
    void missingNamesAreListedWithTheFile() {
        Tokenizer qwen3 = GoldenCases.of("qwen3").tokenizer();
        LladaException e = assertThrows(LladaException.class, () -> LLaDA2SpecialTokens.resolve(qwen3));
        assertEquals(qwen3.source() + ": not a LLaDA2 tokenizer: missing <|mask|>, <|role_end|>, <role>, </role>"
                + " (looked up by name in added_tokens and model.vocab); LLaDA2 needs <|mask|>, <|endoftext|>,"
                + " <|role_end|>, <role>, </role>", e.getMessage());
    }

    @Test
    void vocabEntriesThatAreNotAddedTokensAreRefused(@TempDir Path dir) {
        // "<role>" is a vocab entry (id 260) that no merge produces: text "<role>" is 6 byte tokens.
        Tokenizer unreachable = TokenizerJsonBuilder.byteLevel().special("<|mask|>").special("<|endoftext|>")
                .special("<|role_end|>").special("</role>").token("<role>").load(dir);
        LladaException e = assertThrows(LladaException.class, () -> LLaDA2SpecialTokens.resolve(unreachable));
        assertTrue(e.getMessage().contains("not encoded as one token: <role> (id 260) (they must be entries of added_tokens)"),
                e.getMessage());
    }

    @Test
    void maskIdMismatchAndRoleEndClash() {
        LLaDA2SpecialTokens s = new LLaDA2SpecialTokens(156895, 156892, 156900, 156901, 156902, Path.of("tok.json"));
        LladaException e = assertThrows(LladaException.class, () -> s.verifyMaskId(156894, "config.json mask_token_id"));
        assertEquals("tok.json gives <|mask|> the id 156895, but the decoder will use mask id 156894 (from config.json"
                + " mask_token_id); the tokenizer and the model settings must come from the same checkpoint, or set the"
                + " mask id to 156895", e.getMessage());
        LLaDA2SpecialTokens ling = new LLaDA2SpecialTokens(157000, 156892, 156895, 157151, 157152, Path.of("ling.json"));
        e = assertThrows(LladaException.class, () -> ling.verifyMaskId(156895));
        assertTrue(e.getMessage().contains("ling.json gives <|role_end|> the id 156895, which is the mask id (from the"
                + " decoder's settings): every <|role_end|> in a chat prompt would look like a masked position"), e.getMessage());
        assertTrue(e.getMessage().startsWith("ling.json gives <|mask|> the id 157000, but the decoder will use mask id 156895"),
                e.getMessage());
    }
}
