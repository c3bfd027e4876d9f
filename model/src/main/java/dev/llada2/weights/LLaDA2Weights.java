package dev.llada2.weights;

import dev.llada2.config.LLaDA2Config;

import java.util.List;

/**
 * All weights of a LLaDA2 model, bound by name from a checkpoint by {@link WeightBinder}. Matrices
 * are views into the mapped files; only the small vectors (norms, expert bias) live on the heap,
 * widened to fp32.
 */
public record LLaDA2Weights(LLaDA2Config config, Matrix embeddings, List<LayerWeights> layers,
                            float[] finalNorm, Matrix lmHead) {

    public LLaDA2Weights {
        layers = List.copyOf(layers);
    }
}
