package dev.llada2.decode;

/**
 * Observes a generation. It sees committed tokens only, never provisional predictions: committed
 * tokens are never revised in LLaDA2.0 decoding.
 */
public interface DecodeListener {

    DecodeListener NONE = new DecodeListener() {
    };

    /** After each denoising forward. */
    default void onStep(StepRecord step, int blocksTotal) {
    }

    /**
     * Generated tokens that became final and contiguous from the start of the answer, in order and
     * each exactly once: the answer streams as blocks fill from the left. Tokens past the requested
     * length or after the first EOS are never emitted.
     */
    default void onTokens(int[] tokens) {
    }
}
