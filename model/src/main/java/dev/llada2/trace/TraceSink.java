package dev.llada2.trace;

/**
 * Receives intermediate tensors of a forward, named as in {@code ../shared/golden/*}/forward.safetensors
 * (without the case prefix): {@code embeddings}, {@code final_hidden},
 * {@code router.layer{l}.topk_idx|topk_weight|logits}, and per layer {@code layer_out},
 * {@code attn_out}, {@code mlp_out}. Engines only call it when {@link #enabled()}.
 */
public interface TraceSink {

    TraceSink NONE = new Discarding(false);

    /**
     * Keeps nothing, but is enabled, so an engine computes every row as for a trace: in the last layer
     * the CPU engine otherwise computes only the rows the head reads (e.g. none without a head). For
     * benchmarks that time one layer as it runs inside a model.
     */
    TraceSink EVERY_ROW = new Discarding(true);

    /** A sink that drops what it receives. */
    record Discarding(boolean enabled) implements TraceSink {
        @Override
        public void floats(String name, float[] data, int... shape) {
        }

        @Override
        public void ints(String name, int[] data, int... shape) {
        }

        @Override
        public void layer(String kind, int layer, float[] data, int rows, int cols) {
        }
    }

    boolean enabled();

    /** A whole tensor; {@code data} is copied or consumed before the engine reuses it. */
    void floats(String name, float[] data, int... shape);

    void ints(String name, int[] data, int... shape);

    /** One layer's slice {@code [rows, cols]} of a per-layer tensor ({@code layer_out}, {@code attn_out}, {@code mlp_out}). */
    void layer(String kind, int layer, float[] data, int rows, int cols);
}
