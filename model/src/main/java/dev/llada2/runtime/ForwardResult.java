package dev.llada2.runtime;

/**
 * What a forward returns for the rows its {@link HeadRequest} named, in that order.
 *
 * @param argmax     greedy: token with the largest logit (first on ties); otherwise null
 * @param confidence greedy: its softmax probability over the full vocabulary; otherwise null
 * @param logits     logits request: one row of vocabulary size per requested row; otherwise null
 */
public record ForwardResult(int[] argmax, float[] confidence, float[][] logits) {

    public static final ForwardResult EMPTY = new ForwardResult(null, null, null);
}
