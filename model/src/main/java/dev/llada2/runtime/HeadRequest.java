package dev.llada2.runtime;

/**
 * What a forward must produce from the final hidden states, for selected rows of its tokens only:
 * the LM head is 157k rows x hidden, so it is applied to the rows that need it and nothing else.
 */
public sealed interface HeadRequest {

    /** No head at all (prefill and cache-update passes). */
    record None() implements HeadRequest {
    }

    /**
     * Greedy: per row the argmax of the logits and its softmax probability over the whole
     * vocabulary (the mask token included), without materialising the logits.
     */
    record Greedy(int[] rows) implements HeadRequest {
    }

    /** Full fp32 logits for the rows (sampling, the {@code forward} command, replay checks). */
    record Logits(int[] rows) implements HeadRequest {
    }

    static HeadRequest none() {
        return new None();
    }
}
