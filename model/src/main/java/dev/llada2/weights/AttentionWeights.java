package dev.llada2.weights;

import java.util.Optional;

/**
 * The attention half of a decoder layer (spec §4.3): fused QKV projection (rows: Q heads, then K
 * heads, then V heads), optional per-head QK RMSNorm weights (shared by all heads), output
 * projection {@code attention.dense}. Biases exist only when {@code use_qkv_bias} / {@code use_bias}.
 */
public record AttentionWeights(Matrix qkv, Optional<float[]> qkvBias, Optional<float[]> queryNorm,
                               Optional<float[]> keyNorm, Matrix dense, Optional<float[]> denseBias) {

    public long bytes() {
        return qkv.bytes() + dense.bytes();
    }
}
