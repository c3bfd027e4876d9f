package dev.llada2.decode;

import java.util.List;

/**
 * The outcome of one generation.
 *
 * @param generatedIds    the generated part only, at most genLength tokens, cut after the first EOS
 *                        (inclusive); after a cancellation, the tokens that were final (those streamed)
 * @param finalCanvas     the whole canvas: prompt, decoded blocks, blocks never reached still masked
 * @param steps           every denoising forward
 * @param forwards        denoising forwards (the official code's forward count)
 * @param edits           tokens rewritten by token-to-token edits (0 under the threshold rule)
 * @param prefillForwards prompt prefill passes (KV cache only)
 * @param cacheForwards   cache-update passes of finished blocks (KV cache only)
 * @param earlyStop       stopped by the EOS early stop
 * @param cancelled       stopped because the listener cancelled
 * @param prefillNanos    time spent prefilling
 * @param decodeNanos     time spent denoising and updating the cache
 */
public record DecodeResult(int[] generatedIds, int[] finalCanvas, List<StepRecord> steps, int forwards, int edits,
                           int prefillForwards, int cacheForwards, boolean earlyStop, boolean cancelled,
                           long prefillNanos, long decodeNanos) {

    public DecodeResult {
        steps = List.copyOf(steps);
    }

    /** Returned tokens per denoising forward. */
    public double tokensPerForward() {
        return forwards == 0 ? 0 : (double) generatedIds.length / forwards;
    }

    /** Returned tokens per second of prefill + decode time. */
    public double tokensPerSecond() {
        long ns = prefillNanos + decodeNanos;
        return ns == 0 ? 0 : generatedIds.length / (ns / 1e9);
    }
}
