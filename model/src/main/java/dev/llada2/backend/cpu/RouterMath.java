package dev.llada2.backend.cpu;

import dev.llada2.config.LLaDA2Config;

/**
 * The LLaDA2 MoE router for one token (spec §4.5), in fp32, from its logits:
 * <ol>
 *   <li>{@code s = sigmoid(logits)}; biased {@code b = s + expert_bias} (selection only);</li>
 *   <li>group score = sum of the two largest {@code b} in each of {@code n_group} consecutive groups;
 *       keep the {@code topk_group} best groups, the rest are {@code -inf};</li>
 *   <li>take the {@code num_experts_per_tok} largest biased scores, in descending order (lower
 *       expert id first on exact ties);</li>
 *   <li>weights = the unbiased {@code s} of those experts, divided by their sum (+1e-20) when
 *       top-k > 1, times {@code routed_scaling_factor}.</li>
 * </ol>
 * This class is also the reference twin of the TornadoVM router kernel.
 */
public final class RouterMath {

    private final int experts;
    private final int topK;
    private final int groups;
    private final int topGroups;
    private final int perGroup;
    private final float scaling;

    public RouterMath(LLaDA2Config c) {
        this.experts = c.numExperts();
        this.topK = c.numExpertsPerTok();
        this.groups = c.nGroup();
        this.topGroups = c.topkGroup();
        this.perGroup = c.expertsPerGroup();
        this.scaling = c.routedScalingFactor();
    }

    /**
     * Selects experts for one token.
     *
     * @param logits  router logits, {@code logits[lo + e]}
     * @param bias    expert_bias
     * @param idx     receives {@code topK} expert ids at {@code idx[io..]}
     * @param weights receives their mixing weights at {@code weights[io..]}
     */
    public void select(float[] logits, int lo, float[] bias, int[] idx, float[] weights, int io) {
        float[] s = new float[experts];
        float[] biased = new float[experts];
        for (int e = 0; e < experts; e++) {
            s[e] = VectorOps.sigmoid(logits[lo + e]);
            biased[e] = s[e] + bias[e];
        }
        boolean[] keepGroup = new boolean[groups];
        if (topGroups >= groups) {
            java.util.Arrays.fill(keepGroup, true);
        } else {
            float[] groupScore = new float[groups];
            for (int g = 0; g < groups; g++) {
                float first = Float.NEGATIVE_INFINITY;
                float second = Float.NEGATIVE_INFINITY;
                for (int e = g * perGroup; e < (g + 1) * perGroup; e++) {
                    float v = biased[e];
                    if (v > first) {
                        second = first;
                        first = v;
                    } else if (v > second) {
                        second = v;
                    }
                }
                groupScore[g] = first + second;
            }
            for (int k = 0; k < topGroups; k++) {
                int best = -1;
                for (int g = 0; g < groups; g++) {
                    if (!keepGroup[g] && (best < 0 || groupScore[g] > groupScore[best])) {
                        best = g;
                    }
                }
                keepGroup[best] = true;
            }
        }
        boolean[] taken = new boolean[experts];
        float sum = 0;
        for (int k = 0; k < topK; k++) {
            int best = -1;
            for (int e = 0; e < experts; e++) {
                if (!taken[e] && keepGroup[e / perGroup] && (best < 0 || biased[e] > biased[best])) {
                    best = e;
                }
            }
            taken[best] = true;
            idx[io + k] = best;
            weights[io + k] = s[best];
            sum += s[best];
        }
        for (int k = 0; k < topK; k++) {
            float w = topK > 1 ? weights[io + k] / (sum + 1e-20f) : weights[io + k];
            weights[io + k] = w * scaling;
        }
    }
}
