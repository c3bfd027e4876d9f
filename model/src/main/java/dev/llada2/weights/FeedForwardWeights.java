package dev.llada2.weights;

/** The feed-forward half of a decoder layer: dense SwiGLU or MoE. */
public sealed interface FeedForwardWeights permits DenseMlp, MoeWeights {

    long bytes();
}
