package dev.llada2.cli.serve;

import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeOptions.Decoding;

import java.util.OptionalInt;

/**
 * The decoding options of one request: the server's defaults (the {@code generate} flags given to
 * {@code serve}) with the request's fields applied. OpenAI's own fields ({@code max_tokens} or
 * {@code max_completion_tokens}, {@code temperature}, {@code top_p}, {@code seed}) and our extensions
 * under the names of the {@code generate} flags ({@code top_k}, {@code block_length}, {@code steps},
 * {@code threshold}, {@code minimal_topk}, {@code decoding}, {@code edit_threshold},
 * {@code max_post_edit_steps}, {@code penalty_lambda}, {@code ignore_eos}, {@code eos_early_stop}).
 *
 * <p>A request that switches the rule ({@code decoding}) gets that rule's defaults for the fields it
 * does not give, not the server's values for the other rule. Options that belong to the other rule
 * are refused, as {@code generate} refuses them.
 *
 * <p>Length: the canvas ({@code prompt + max_tokens}, rounded up to whole blocks) must fit the model's
 * context ({@code max_position_embeddings}). Without {@code max_tokens} the server's
 * {@code --gen-length} is used, shortened to what fits.
 */
final class DecodingFields {

    /** OpenAI's temperature range. */
    static final double MAX_TEMPERATURE = 2.0;

    private DecodingFields() {
    }

    static DecodeOptions read(Fields f, DecodeOptions base, int promptLength, String promptParam, int context,
                              int vocabSize) {
        Decoding rule = f.string("decoding").map(DecodingFields::rule).orElse(base.decoding());
        boolean sameRule = rule == base.decoding();
        if (rule == Decoding.THRESHOLD) {
            refuse(f, "edit_threshold", "joint");
            refuse(f, "max_post_edit_steps", "joint");
        } else {
            refuse(f, "steps", "threshold");
            refuse(f, "minimal_topk", "threshold");
        }
        int blockLength = f.integer("block_length", 1, context).orElse(base.blockLength());
        int steps = f.integer("steps", 1, Integer.MAX_VALUE).orElse(base.steps());
        int minimalTopk = f.integer("minimal_topk", 1, Integer.MAX_VALUE).orElse(base.minimalTopk());
        double threshold = f.number("threshold", 0, false, 1).orElse(sameRule ? base.threshold()
                : rule == Decoding.JOINT ? DecodeOptions.DEFAULT_JOINT_THRESHOLD : DecodeOptions.DEFAULT_THRESHOLD);
        double editThreshold = f.number("edit_threshold", 0, false, 1).orElse(sameRule ? base.editThreshold()
                : DecodeOptions.DEFAULT_EDIT_THRESHOLD);
        int maxPostEditSteps = f.integer("max_post_edit_steps", 0, Integer.MAX_VALUE).orElse(sameRule
                ? base.maxPostEditSteps() : DecodeOptions.DEFAULT_MAX_POST_EDIT_STEPS);
        double penaltyLambda = f.number("penalty_lambda", 0, false, Double.MAX_VALUE).orElse(base.penaltyLambda());
        double temperature = f.number("temperature", 0, false, MAX_TEMPERATURE).orElse(base.temperature());
        double topP = f.number("top_p", 0, true, 1).orElse(base.topP());
        // top_k: -1 means "off" in other servers' APIs; here that is 0.
        int topK = f.integer("top_k", -1, vocabSize).orElse(base.topK());
        long seed = f.longInteger("seed", Long.MIN_VALUE, Long.MAX_VALUE).orElse(base.seed());
        boolean ignoreEos = f.bool("ignore_eos").orElse(false);
        boolean earlyStop = f.bool("eos_early_stop").orElse(base.eosEarlyStop());
        int genLength = genLength(f, base.genLength(), promptLength, promptParam, blockLength, context);
        return new DecodeOptions(genLength, blockLength, steps, threshold, minimalTopk, temperature, Math.max(topK, 0),
                topP, seed, ignoreEos ? -1 : base.eosId(), base.maskId(), earlyStop, base.kvCache(), rule,
                editThreshold, maxPostEditSteps, penaltyLambda);
    }

    /** {@code max_tokens} or {@code max_completion_tokens} (the newer name), checked against the context. */
    private static int genLength(Fields f, int serverDefault, int promptLength, String promptParam, int blockLength,
                                 int context) {
        OptionalInt maxTokens = f.integer("max_tokens", 1, Integer.MAX_VALUE);
        OptionalInt maxCompletion = f.integer("max_completion_tokens", 1, Integer.MAX_VALUE);
        if (maxTokens.isPresent() && maxCompletion.isPresent() && maxTokens.getAsInt() != maxCompletion.getAsInt()) {
            throw ApiError.invalid("max_completion_tokens", "max_tokens (" + maxTokens.getAsInt()
                    + ") and max_completion_tokens (" + maxCompletion.getAsInt() + ") differ; give one of them");
        }
        String param = maxCompletion.isPresent() ? "max_completion_tokens" : "max_tokens";
        OptionalInt asked = maxCompletion.isPresent() ? maxCompletion : maxTokens;
        // The canvas is whole blocks from position 0, and every position of it must have a RoPE position.
        int fits = context / blockLength * blockLength - promptLength;
        if (fits < 1) {
            throw ApiError.invalid(promptParam, "the prompt is " + promptLength + " tokens; with block_length "
                    + blockLength + " the model's context of " + context + " positions leaves no room for an answer");
        }
        if (asked.isPresent() && asked.getAsInt() > fits) {
            throw ApiError.invalid(param, param + " is " + asked.getAsInt() + ", but the prompt is " + promptLength
                    + " tokens and the model's context is " + context + " positions (in blocks of " + blockLength
                    + "): at most " + fits + " tokens fit");
        }
        return asked.isPresent() ? asked.getAsInt() : Math.min(serverDefault, fits);
    }

    private static Decoding rule(String name) {
        for (Decoding d : Decoding.values()) {
            if (d.label().equals(name)) {
                return d;
            }
        }
        throw ApiError.invalid("decoding", "decoding must be \"threshold\" or \"joint\", got \"" + name + "\"");
    }

    private static void refuse(Fields f, String name, String rule) {
        if (f.given(name)) {
            throw ApiError.invalid(name, name + " applies to decoding \"" + rule + "\" only");
        }
    }
}
