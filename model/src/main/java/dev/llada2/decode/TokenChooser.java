package dev.llada2.decode;

import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;

/**
 * Turns a forward's head output into one candidate token and its confidence per requested row
 * (spec §6.2). {@link GreedyChooser} needs only the engine's argmax and confidence (or the logits);
 * {@link SamplingChooser} needs the logits.
 */
public interface TokenChooser {

    /** What to ask the engine for, for these rows. */
    HeadRequest request(int[] rows);

    /**
     * Fills {@code candidate[i]} and {@code confidence[i]} for the i-th requested row, from what
     * {@link #request} asked for or from logits.
     */
    void choose(ForwardResult result, int[] candidate, float[] confidence);

    static TokenChooser of(DecodeOptions o) {
        return o.greedy() ? new GreedyChooser() : new SamplingChooser(o.temperature(), o.topK(), o.topP(), o.seed());
    }
}
