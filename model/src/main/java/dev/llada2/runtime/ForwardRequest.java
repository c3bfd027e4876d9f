package dev.llada2.runtime;

import dev.llada2.trace.TraceSink;

/**
 * One forward of the model over {@code tokens} at absolute positions
 * {@code [start, start + tokens.length)}, attending to the cached keys/values of {@code [0, start)}
 * and to each other under {@code mask}.
 *
 * @param start         must equal the engine's cache length (0 without a cache)
 * @param appendToCache keep this forward's keys/values in the cache (prefill, finished blocks)
 * @param head          what to compute from the final hidden states
 * @param trace         receives intermediate tensors ({@link TraceSink#NONE} normally)
 */
public record ForwardRequest(int[] tokens, int start, AttentionMask mask, boolean appendToCache,
                             HeadRequest head, TraceSink trace) {

    public ForwardRequest {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("a forward needs at least one token");
        }
        if (start < 0) {
            throw new IllegalArgumentException("start must be >= 0, got " + start);
        }
    }

    public int length() {
        return tokens.length;
    }
}
