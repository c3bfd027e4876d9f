package dev.llada2.tokenizer;

import dev.llada2.errors.LladaException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ids of the tokens LLaDA2 treats specially, looked up by name in a tokenizer (never
 * hard-coded: the real LLaDA2.0 tokenizer.json is the authority, spec §7).
 *
 * @param mask      {@code <|mask|>}: the masked position the diffusion decoder fills in
 * @param endOfText {@code <|endoftext|>}: end of sequence and padding
 * @param roleEnd   {@code <|role_end|>}: closes a chat turn
 * @param roleOpen  {@code <role>}, opens a role name in the chat template
 * @param roleClose {@code </role>}, closes a role name
 * @param source    the tokenizer.json the ids come from, for messages
 */
public record LLaDA2SpecialTokens(int mask, int endOfText, int roleEnd, int roleOpen, int roleClose, Path source) {

    public static final String MASK = "<|mask|>";
    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final String ROLE_END = "<|role_end|>";
    public static final String ROLE_OPEN = "<role>";
    public static final String ROLE_CLOSE = "</role>";

    /** The five names, in the order of the record components. */
    public static final List<String> NAMES = List.of(MASK, END_OF_TEXT, ROLE_END, ROLE_OPEN, ROLE_CLOSE);

    /**
     * Looks the five tokens up by name. Each must exist and be encoded as itself alone (i.e. be an
     * added token, so that a prompt containing it gets that one id).
     *
     * @throws LladaException (input) listing every missing or not-whole token and the file
     */
    public static LLaDA2SpecialTokens resolve(Tokenizer tokenizer) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        List<String> notWhole = new ArrayList<>();
        for (String name : NAMES) {
            var id = tokenizer.idOf(name);
            if (id.isEmpty()) {
                missing.add(name);
                continue;
            }
            int[] encoded = tokenizer.encode(name, false);
            if (encoded.length != 1 || encoded[0] != id.getAsInt()) {
                notWhole.add(name + " (id " + id.getAsInt() + ")");
            }
            ids.put(name, id.getAsInt());
        }
        if (!missing.isEmpty() || !notWhole.isEmpty()) {
            StringBuilder message = new StringBuilder(tokenizer.source() + ": not a LLaDA2 tokenizer:");
            if (!missing.isEmpty()) {
                message.append(" missing ").append(String.join(", ", missing))
                        .append(" (looked up by name in added_tokens and model.vocab);");
            }
            if (!notWhole.isEmpty()) {
                message.append(" not encoded as one token: ").append(String.join(", ", notWhole))
                        .append(" (they must be entries of added_tokens);");
            }
            message.append(" LLaDA2 needs ").append(String.join(", ", NAMES));
            throw LladaException.input(message.toString());
        }
        return new LLaDA2SpecialTokens(ids.get(MASK), ids.get(END_OF_TEXT), ids.get(ROLE_END), ids.get(ROLE_OPEN),
                ids.get(ROLE_CLOSE), tokenizer.source());
    }

    /** {@link #verifyMaskId(int, String)} when the caller cannot say where its mask id came from. */
    public void verifyMaskId(int decoderMaskId) {
        verifyMaskId(decoderMaskId, "the decoder's settings");
    }

    /**
     * Checks that the decoder fills the positions this tokenizer calls {@code <|mask|>}, and that
     * {@code <|role_end|>} is not the mask id. The latter is the trap of spec §7: in the Ling 2.0
     * tokenizer {@code <|role_end|>} has id 156895, LLaDA2's mask id; since every chat prompt
     * contains {@code <|role_end|>}, the model could not tell those prompt tokens from masked
     * positions, so a LLaDA2 tokenizer must give it another id.
     *
     * @param decoderMaskId     the mask id the diffusion decoder will write and look for
     * @param decoderMaskSource where that id came from, e.g. {@code "config.json mask_token_id"}
     * @throws LladaException (input) describing each problem, with both sources
     */
    public void verifyMaskId(int decoderMaskId, String decoderMaskSource) {
        List<String> problems = new ArrayList<>();
        if (mask != decoderMaskId) {
            problems.add(source + " gives " + MASK + " the id " + mask + ", but the decoder will use mask id "
                    + decoderMaskId + " (from " + decoderMaskSource + "); the tokenizer and the model settings must"
                    + " come from the same checkpoint, or set the mask id to " + mask);
        }
        if (roleEnd == decoderMaskId) {
            problems.add(source + " gives " + ROLE_END + " the id " + roleEnd + ", which is the mask id (from "
                    + decoderMaskSource + "): every " + ROLE_END + " in a chat prompt would look like a masked"
                    + " position (the Ling 2.0 tokenizer has this id clash; LLaDA2 needs a tokenizer where "
                    + ROLE_END + " and " + MASK + " differ)");
        }
        if (!problems.isEmpty()) {
            throw LladaException.input(String.join("; ", problems));
        }
    }
}
