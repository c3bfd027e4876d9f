package dev.llada2.runtime;

import dev.llada2.errors.LladaException;
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

    /**
     * Checks the request against an engine's state: it must start where the cache ends, and every
     * token must be in the vocabulary (a bad id is the user's input, so it is an input error).
     */
    public void validate(int cacheLength, int vocabSize) {
        if (start != cacheLength) {
            throw new IllegalStateException("forward at position " + start + " but " + cacheLength
                    + " positions are cached");
        }
        for (int id : tokens) {
            if (id < 0 || id >= vocabSize) {
                throw LladaException.input("token id " + id + " is outside the vocabulary 0.." + (vocabSize - 1));
            }
        }
    }
}
