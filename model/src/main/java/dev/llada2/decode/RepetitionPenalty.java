package dev.llada2.decode;

import dev.llada2.runtime.ForwardResult;

/**
 * The joint-threshold reference's repetition penalty ({@code penalty_lambda}): before the token
 * choice, row {@code r >= 1} of the block loses {@code lambda} on the logit of the token at row
 * {@code r - 1} as the forward saw it (a mask there penalises the mask token); row 0 is never
 * penalised. It discourages a token from repeating its left neighbour. It needs the logits, so with a
 * penalty the decoder asks the head for logits instead of the greedy (token, confidence) pairs.
 */
public final class RepetitionPenalty {

    private final float lambda;

    /** @param lambda 0 = off */
    public RepetitionPenalty(double lambda) {
        this.lambda = (float) lambda;
    }

    public boolean enabled() {
        return lambda > 0;
    }

    /** Applies the penalty to the logits of {@code rows} (in {@code result}'s order), in place. */
    public void apply(ForwardResult result, CurrentBlock block, int[] rows) {
        if (!enabled()) {
            return;
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] >= 1) {
                result.logits()[i][block.token(rows[i] - 1)] -= lambda;
            }
        }
    }
}
