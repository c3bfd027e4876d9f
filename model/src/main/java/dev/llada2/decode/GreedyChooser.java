package dev.llada2.decode;

import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;

/**
 * Temperature 0: the argmax of the logits, with its softmax probability over the full vocabulary
 * (mask token included) as confidence: the greedy branch upstream shipped with LLaDA2.1 and every
 * serving engine uses (the golden {@code greedy} traces). The engine computes both without
 * materialising the logits; when the decoder asked for logits instead (to apply a
 * {@link RepetitionPenalty} first) they are computed here, in fp32 with the sum in double.
 */
public final class GreedyChooser implements TokenChooser {

    @Override
    public HeadRequest request(int[] rows) {
        return new HeadRequest.Greedy(rows);
    }

    @Override
    public void choose(ForwardResult result, int[] candidate, float[] confidence) {
        if (result.argmax() != null) {
            System.arraycopy(result.argmax(), 0, candidate, 0, candidate.length);
            System.arraycopy(result.confidence(), 0, confidence, 0, confidence.length);
            return;
        }
        for (int i = 0; i < candidate.length; i++) {
            float[] logits = result.logits()[i];
            int best = 0;
            for (int v = 1; v < logits.length; v++) {
                if (logits[v] > logits[best]) {
                    best = v;
                }
            }
            double sum = 0;
            for (float l : logits) {
                sum += (float) Math.exp(l - logits[best]);
            }
            candidate[i] = best;
            confidence[i] = (float) (1.0 / sum);
        }
    }
}
