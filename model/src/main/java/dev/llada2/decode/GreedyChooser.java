package dev.llada2.decode;

import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;

/**
 * Temperature 0: the argmax of the logits, with its softmax probability over the full vocabulary
 * (mask token included) as confidence: the greedy branch upstream shipped with LLaDA2.1 and every
 * serving engine uses (the golden {@code greedy} traces).
 */
public final class GreedyChooser implements TokenChooser {

    @Override
    public HeadRequest request(int[] rows) {
        return new HeadRequest.Greedy(rows);
    }

    @Override
    public void choose(ForwardResult result, int[] candidate, float[] confidence) {
        System.arraycopy(result.argmax(), 0, candidate, 0, candidate.length);
        System.arraycopy(result.confidence(), 0, confidence, 0, confidence.length);
    }
}
