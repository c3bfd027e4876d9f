package dev.llada2.runtime;

/**
 * Which keys a query may attend to (spec §5). Both patterns make every query see a prefix of the
 * keys, so a mask is described by the end of that prefix.
 */
public sealed interface AttentionMask {

    /** Keys visible to the query at absolute position {@code queryPos}: {@code [0, keyLimit)}. */
    int keyLimit(int queryPos, int totalKeys);

    /**
     * The official generate() mask: blocks of {@code blockLength} tokens from position 0; a query in
     * block i sees keys in blocks 0..i (bidirectional inside its block, causal across blocks).
     */
    record BlockCausal(int blockLength) implements AttentionMask {
        public BlockCausal {
            if (blockLength < 1) {
                throw new IllegalArgumentException("block length must be >= 1, got " + blockLength);
            }
        }

        @Override
        public int keyLimit(int queryPos, int totalKeys) {
            return Math.min(totalKeys, (queryPos / blockLength + 1) * blockLength);
        }
    }

    /** No mask at all: every query sees every key. */
    record Bidirectional() implements AttentionMask {
        @Override
        public int keyLimit(int queryPos, int totalKeys) {
            return totalKeys;
        }
    }
}
