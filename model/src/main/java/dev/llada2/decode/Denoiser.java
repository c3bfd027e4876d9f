package dev.llada2.decode;

import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;

/**
 * What the decoder needs from a model: predictions for positions of the current block given the
 * canvas. Implemented over an {@link dev.llada2.runtime.Engine} by {@link EngineDenoiser} (with or
 * without the prefix KV cache) and by fakes in tests.
 *
 * <p>The protocol, which a cache must respect: blocks before the current one are final; the current
 * block's tokens may differ anywhere between two {@link #denoise} calls (masks filled, and under the
 * joint rule generated tokens edited), so nothing computed from them may be kept across calls; only
 * {@link #finishBlock} makes a block part of the cached prefix, with its final tokens.
 */
public interface Denoiser {

    /**
     * Starts a new canvas whose first {@code promptBlocks} blocks are complete prompt blocks (a
     * cached denoiser prefills them here).
     */
    void begin(int[] canvas, int promptBlocks, int blockLength);

    /**
     * One denoising forward: the window is {@code canvas[0, blockEnd)}, the current block is
     * {@code [blockStart, blockEnd)} with its tokens as they are now; the head request's rows are
     * relative to {@code blockStart} and may be any of the block's rows.
     */
    ForwardResult denoise(int[] canvas, int blockStart, int blockEnd, HeadRequest head);

    /** The block {@code [blockStart, blockEnd)} is final and a later block will be decoded. */
    void finishBlock(int[] canvas, int blockStart, int blockEnd);

    /** Forwards that were not denoising steps: prefill and cache-update passes. */
    int prefillForwards();

    int cacheForwards();
}
