package dev.llada2.weights;

/** The dense SwiGLU feed-forward of the layers before {@code first_k_dense_replace}. */
public record DenseMlp(MlpWeights mlp) implements FeedForwardWeights {

    @Override
    public long bytes() {
        return mlp.bytes();
    }
}
