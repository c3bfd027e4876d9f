package dev.llada2.weights;

import java.util.List;
import java.util.Optional;

/**
 * A MoE feed-forward (spec §4.5): the router ({@code mlp.gate.weight} and the selection-only
 * {@code mlp.gate.expert_bias}, fp32), the routed experts and the optional shared expert.
 *
 * @param expertBias fp32 selection bias, zeros when the checkpoint has none and the config
 *                   disables it
 */
public record MoeWeights(Matrix router, float[] expertBias, List<MlpWeights> experts,
                         Optional<MlpWeights> shared) implements FeedForwardWeights {

    public MoeWeights {
        experts = List.copyOf(experts);
    }

    @Override
    public long bytes() {
        long b = router.bytes() + 4L * expertBias.length + shared.map(MlpWeights::bytes).orElse(0L);
        for (MlpWeights e : experts) {
            b += e.bytes();
        }
        return b;
    }
}
