package dev.llada2.weights;

/**
 * One decoder layer: {@code h += attention(rmsnorm(h)); h += ffn(rmsnorm(h))}.
 *
 * @param index     layer index in the checkpoint ({@code model.layers.{index}})
 * @param inputNorm {@code input_layernorm.weight}
 * @param postNorm  {@code post_attention_layernorm.weight}
 */
public record LayerWeights(int index, float[] inputNorm, AttentionWeights attention, float[] postNorm,
                           FeedForwardWeights ffn) {

    public long bytes() {
        return attention.bytes() + ffn.bytes() + 4L * (inputNorm.length + postNorm.length);
    }
}
