package dev.llada2.decode;

/**
 * Observes a generation and may cancel it. The decoder calls it on its own thread, between forwards.
 *
 * <p>Streaming and cancellation (e.g. a server answering one request): stream {@link #onTokens} to
 * the client, which receives every answer token exactly once, in order, and only once it is final;
 * return true from {@link #cancelled} once the client is gone (or a deadline passed). The decoder
 * asks before every forward (prefill, each denoising forward, each cache update), so a cancelled
 * generation stops within one forward and its {@link DecodeResult} holds what was streamed.
 */
public interface DecodeListener {

    DecodeListener NONE = new DecodeListener() {
    };

    /**
     * After each denoising forward: what it wrote. Under a rule that edits (joint) these tokens are
     * provisional until their block is finished; use {@link #onTokens} for the answer.
     */
    default void onStep(StepRecord step, int blocksTotal) {
    }

    /**
     * Generated tokens that became final and contiguous from the start of the answer, in order and
     * each exactly once. Under the threshold rule a committed token is final at once, so the answer
     * streams as blocks fill from the left; under the joint rule a block's tokens become final
     * together when the block is finished. Tokens past the requested length or after the first EOS
     * are never emitted.
     */
    default void onTokens(int[] tokens) {
    }

    /** Consulted before every forward: true stops the generation there. */
    default boolean cancelled() {
        return false;
    }
}
