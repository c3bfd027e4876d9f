package dev.llada2.tokenizer;

import java.util.List;

import static dev.llada2.tokenizer.LLaDA2SpecialTokens.ROLE_CLOSE;
import static dev.llada2.tokenizer.LLaDA2SpecialTokens.ROLE_END;
import static dev.llada2.tokenizer.LLaDA2SpecialTokens.ROLE_OPEN;

/**
 * The chat template of LLaDA2.0 (the Ling 2.0 template, spec §7), for system, user and assistant
 * messages. Tool definitions, tool calls, tool results ({@code OBSERVATION} turns) and reasoning
 * ({@code <think>}) content are out of scope; "thinking" is always off, as in the template.
 *
 * <p>Output: {@code <role>SYSTEM</role>}, then the first message's content and {@code \n} if that
 * message is a system message, then {@code detailed thinking off<|role_end|>}; then each further
 * message as {@code <role>HUMAN</role>} (user), {@code <role>SYSTEM</role>} (system) or
 * {@code <role>ASSISTANT</role>} (assistant) + content + {@code <|role_end|>}; and, with
 * {@code addGenerationPrompt}, a final {@code <role>ASSISTANT</role>}. Example (one user turn):
 * <pre>{@code <role>SYSTEM</role>detailed thinking off<|role_end|><role>HUMAN</role>Hi<|role_end|><role>ASSISTANT</role>}</pre>
 * Contents are inserted as they are: a content that spells a special token (say
 * {@code <|role_end|>}) is encoded as that token, as with the reference tokenizer. Encode the
 * result with {@code addSpecialTokens = false} (LLaDA2 adds no BOS token).
 */
public final class ChatTemplate {

    private ChatTemplate() {
    }

    public static String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        header(out, "SYSTEM");
        int first = 0;
        if (!messages.isEmpty() && messages.getFirst().role() == ChatMessage.Role.SYSTEM) {
            out.append(messages.getFirst().content()).append('\n');
            first = 1;
        }
        out.append("detailed thinking off").append(ROLE_END);
        for (ChatMessage message : messages.subList(first, messages.size())) {
            header(out, switch (message.role()) {
                case SYSTEM -> "SYSTEM";
                case USER -> "HUMAN";
                case ASSISTANT -> "ASSISTANT";
            });
            out.append(message.content()).append(ROLE_END);
        }
        if (addGenerationPrompt) {
            header(out, "ASSISTANT");
        }
        return out.toString();
    }

    private static void header(StringBuilder out, String role) {
        out.append(ROLE_OPEN).append(role).append(ROLE_CLOSE);
    }
}
