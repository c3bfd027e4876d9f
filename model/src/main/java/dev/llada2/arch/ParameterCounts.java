package dev.llada2.arch;

import dev.llada2.config.LLaDA2Config;

/**
 * Parameter counts from the tensor list (spec §8.1).
 *
 * @param total                    every parameter of the checkpoint (mini 16.256 B, flash 102.890 B)
 * @param activePerToken           parameters one token uses: one embedding row, every non-routed
 *                                 tensor, {@code num_experts_per_tok} routed experts per MoE layer and
 *                                 the lm_head (mini 1.111 B, flash 5.508 B)
 * @param activeWithEmbeddingTable the model cards' convention, counting the whole embedding table
 *                                 (mini 1.433 B, flash 6.152 B)
 * @param routedExperts            parameters of all routed experts
 */
public record ParameterCounts(long total, long activePerToken, long activeWithEmbeddingTable, long routedExperts) {

    public static ParameterCounts of(LLaDA2Config c) {
        long total = 0;
        long shared = 0;
        long routed = 0;
        long table = 0;
        for (TensorSpec t : LLaDA2Architecture.tensors(c)) {
            long n = t.elements();
            total += n;
            if (t.role() == TensorRole.EMBEDDING) {
                table = n;
            } else if (t.role().isRoutedExpert()) {
                routed += n;
            } else {
                shared += n;
            }
        }
        long activeExperts = c.numExperts() == 0 ? 0 : routed / c.numExperts() * c.numExpertsPerTok();
        // a tied head multiplies the whole embedding table for every token
        long tiedHead = c.tieWordEmbeddings() ? table : 0;
        long active = shared + activeExperts + c.hiddenSize() + tiedHead;
        return new ParameterCounts(total, active, active - c.hiddenSize() + table - tiedHead, routed);
    }
}
