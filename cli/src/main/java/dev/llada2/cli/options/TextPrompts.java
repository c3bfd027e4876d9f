package dev.llada2.cli.options;

import dev.llada2.decode.DecodeOptions;
import dev.llada2.tokenizer.ChatMessage;
import dev.llada2.tokenizer.ChatTemplate;
import dev.llada2.tokenizer.LLaDA2SpecialTokens;
import dev.llada2.tokenizer.Tokenizer;

import java.util.List;

/** Text prompts: the LLaDA2 chat template, encoding, and the tokenizer-vs-decoder id checks. */
public final class TextPrompts {

    private TextPrompts() {
    }

    /**
     * Encodes a conversation rendered with the LLaDA2 chat template (generation prompt appended),
     * after checking that the tokenizer has the template's special tokens and agrees with the
     * decoder's mask id.
     */
    public static int[] chat(Tokenizer tokenizer, List<ChatMessage> messages, DecodeOptions o, String maskSource) {
        LLaDA2SpecialTokens special = LLaDA2SpecialTokens.resolve(tokenizer);
        special.verifyMaskId(o.maskId(), maskSource);
        return tokenizer.encode(ChatTemplate.render(messages, true), true);
    }

    /** Encodes text as is ({@code --raw}); the mask id is still checked when the tokenizer has {@code <|mask|>}. */
    public static int[] raw(Tokenizer tokenizer, String text, DecodeOptions o, String maskSource) {
        tokenizer.idOf(LLaDA2SpecialTokens.MASK).ifPresent(id -> {
            if (id != o.maskId()) {
                throw dev.llada2.errors.LladaException.input(tokenizer.source() + " gives " + LLaDA2SpecialTokens.MASK
                        + " the id " + id + ", but the decoder uses mask id " + o.maskId() + " (from " + maskSource
                        + "); fix config.json's mask_token_id or pass --mask-id " + id);
            }
        });
        return tokenizer.encode(text, true);
    }
}
