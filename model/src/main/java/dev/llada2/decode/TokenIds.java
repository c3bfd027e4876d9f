package dev.llada2.decode;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.tokenizer.LLaDA2SpecialTokens;

import java.util.OptionalInt;
import java.util.function.Function;

/**
 * The EOS and mask ids the decoder uses, and where each came from. Order of precedence: the
 * config ({@code mask_token_id}; {@code eos_token_id}, then {@code pad_token_id}), then the tokenizer
 * by name ({@code <|mask|>}, {@code <|endoftext|>}), then the LLaDA2.0 defaults 156895 / 156892.
 */
public record TokenIds(int eos, String eosSource, int mask, String maskSource) {

    public static final int DEFAULT_EOS = 156892;
    public static final int DEFAULT_MASK = 156895;

    /** @param byName looks a token up in the tokenizer (empty when there is no tokenizer) */
    public static TokenIds resolve(LLaDA2Config c, Function<String, OptionalInt> byName) {
        int eos;
        String eosSource;
        if (c.eosTokenId().isPresent()) {
            eos = c.eosTokenId().get();
            eosSource = "config.json eos_token_id";
        } else if (c.padTokenId().isPresent()) {
            eos = c.padTokenId().get();
            eosSource = "config.json pad_token_id";
        } else if (byName.apply(LLaDA2SpecialTokens.END_OF_TEXT).isPresent()) {
            eos = byName.apply(LLaDA2SpecialTokens.END_OF_TEXT).getAsInt();
            eosSource = "tokenizer.json " + LLaDA2SpecialTokens.END_OF_TEXT;
        } else {
            eos = DEFAULT_EOS;
            eosSource = "LLaDA2.0 default";
        }
        int mask;
        String maskSource;
        if (c.maskTokenId().isPresent()) {
            mask = c.maskTokenId().get();
            maskSource = "config.json mask_token_id";
        } else if (byName.apply(LLaDA2SpecialTokens.MASK).isPresent()) {
            mask = byName.apply(LLaDA2SpecialTokens.MASK).getAsInt();
            maskSource = "tokenizer.json " + LLaDA2SpecialTokens.MASK;
        } else {
            mask = DEFAULT_MASK;
            maskSource = "LLaDA2.0 default";
        }
        return new TokenIds(eos, eosSource, mask, maskSource);
    }
}
