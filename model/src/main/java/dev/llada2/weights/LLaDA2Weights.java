package dev.llada2.weights;

import dev.llada2.config.LLaDA2Config;

import java.util.ArrayList;
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

    /** Every matrix: the embedding, each layer's projections, routers and experts, the head. */
    public List<Matrix> matrices() {
        List<Matrix> out = new ArrayList<>();
        out.add(embeddings);
        for (LayerWeights l : layers) {
            out.add(l.attention().qkv());
            out.add(l.attention().dense());
            switch (l.ffn()) {
                case DenseMlp d -> addMlp(out, d.mlp());
                case MoeWeights m -> {
                    out.add(m.router());
                    m.experts().forEach(e -> addMlp(out, e));
                    m.shared().ifPresent(e -> addMlp(out, e));
                }
            }
        }
        if (lmHead != embeddings) {
            out.add(lmHead);
        }
        return out;
    }

    private static void addMlp(List<Matrix> out, MlpWeights mlp) {
        out.add(mlp.gate());
        out.add(mlp.up());
        out.add(mlp.down());
    }
}
