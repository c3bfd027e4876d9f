package dev.llada2.tokenizer;

import dev.llada2.testing.LLaDA2Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static dev.llada2.tokenizer.ChatMessage.assistant;
import static dev.llada2.tokenizer.ChatMessage.system;
import static dev.llada2.tokenizer.ChatMessage.user;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The spec §7 examples, and the encoding of a rendered prompt. */
class ChatTemplateTest {

    @Test
    void singleTurn() {
        assertEquals("<role>SYSTEM</role>detailed thinking off<|role_end|><role>HUMAN</role>What is 2+2?<|role_end|>"
                + "<role>ASSISTANT</role>", ChatTemplate.render(List.of(user("What is 2+2?")), true));
    }

    @Test
    void systemAndThreeTurns() {
        assertEquals("<role>SYSTEM</role>You are a helpful assistant\ndetailed thinking off<|role_end|>"
                        + "<role>HUMAN</role>Hello<|role_end|><role>ASSISTANT</role>Hi there<|role_end|>"
                        + "<role>HUMAN</role>How are you?<|role_end|><role>ASSISTANT</role>",
                ChatTemplate.render(List.of(system("You are a helpful assistant"), user("Hello"), assistant("Hi there"),
                        user("How are you?")), true));
    }

    @Test
    void laterSystemMessagesAndNoGenerationPrompt() {
        assertEquals("<role>SYSTEM</role>detailed thinking off<|role_end|><role>HUMAN</role>a<|role_end|>"
                        + "<role>SYSTEM</role>be brief<|role_end|><role>ASSISTANT</role>b<|role_end|>",
                ChatTemplate.render(List.of(user("a"), system("be brief"), assistant("b")), false));
        assertEquals("<role>SYSTEM</role>detailed thinking off<|role_end|>", ChatTemplate.render(List.of(), false));
    }

    @Test
    void renderedPromptEncodesRoleTokensWhole(@TempDir Path dir) {
        Tokenizer t = Tokenizer.load(LLaDA2Tokenizers.fromQwen3(dir));
        LLaDA2SpecialTokens special = LLaDA2SpecialTokens.resolve(t);
        String prompt = ChatTemplate.render(List.of(user("Hello")), true);
        int[] ids = t.encode(prompt, false);
        int[] system = t.encode("SYSTEM", false);
        int[] expectedStart = new int[2 + system.length];
        expectedStart[0] = special.roleOpen();
        System.arraycopy(system, 0, expectedStart, 1, system.length);
        expectedStart[1 + system.length] = special.roleClose();
        assertEquals(Arrays.toString(expectedStart), Arrays.toString(Arrays.copyOf(ids, expectedStart.length)));
        assertEquals(special.roleClose(), ids[ids.length - 1]);
        assertEquals(2, Arrays.stream(ids).filter(id -> id == special.roleEnd()).count());
        assertEquals(prompt, t.decode(ids, false));
        assertEquals("SYSTEMdetailed thinking offHUMANHelloASSISTANT", t.decode(ids, true));
    }
}
