package dev.llada2.tornado;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;

/**
 * Capacities the device buffers are allocated for, and diagnostics. Grids are compiled for the
 * capacities once; a pass of any size up to them reuses the same compiled graphs.
 *
 * @param maxTokens      tokens per device pass: a block (32) and more; at least 70 to run the golden
 *                       bidirectional forward in one pass. A longer block-causal forward runs in passes
 *                       of whole blocks (exact: each pass sees the cache plus itself); a longer
 *                       bidirectional one is refused.
 * @param maxSequence    positions the per-layer KV caches hold (prompt + generated canvas)
 * @param headRows       LM-head rows per head pass (more rows run as several head passes)
 * @param maxPartBytes   largest device buffer for one weight part; 0 = the device's max allocation
 *                       (tests set it small to exercise split weights)
 * @param maxDeviceBytes device memory the engine may use; 0 = all that TornadoVM allows
 * @param profile        run TornadoVM's profiler and keep its own count of transferred bytes next to
 *                       the engine's (a cross-check; costs some time per graph)
 */
public record TornadoEngineOptions(int maxTokens, int maxSequence, int headRows, long maxPartBytes,
                                   long maxDeviceBytes, boolean profile) {

    /** Default tokens per pass: four 32-token blocks, which covers the golden 70-token forward. */
    public static final int DEFAULT_MAX_TOKENS = 128;
    /** Default KV-cache length (capped by max_position_embeddings). */
    public static final int DEFAULT_MAX_SEQUENCE = 4096;
    /** Default head rows per head pass: one 32-token block. */
    public static final int DEFAULT_HEAD_ROWS = 32;

    public TornadoEngineOptions {
        if (maxTokens < 1 || maxSequence < maxTokens || headRows < 1 || maxPartBytes < 0 || maxDeviceBytes < 0) {
            throw LladaException.input("TornadoVM engine options need 1 <= maxTokens <= maxSequence, headRows >= 1"
                    + " and non-negative byte limits; got maxTokens " + maxTokens + ", maxSequence " + maxSequence
                    + ", headRows " + headRows + ", maxPartBytes " + maxPartBytes + ", maxDeviceBytes "
                    + maxDeviceBytes);
        }
    }

    public static TornadoEngineOptions defaults(LLaDA2Config c) {
        int seq = Math.min(DEFAULT_MAX_SEQUENCE, c.maxPositionEmbeddings());
        return new TornadoEngineOptions(Math.min(DEFAULT_MAX_TOKENS, seq), seq, DEFAULT_HEAD_ROWS, 0, 0, false);
    }

    public TornadoEngineOptions withMaxTokens(int tokens) {
        return new TornadoEngineOptions(tokens, maxSequence, headRows, maxPartBytes, maxDeviceBytes, profile);
    }

    public TornadoEngineOptions withMaxPartBytes(long bytes) {
        return new TornadoEngineOptions(maxTokens, maxSequence, headRows, bytes, maxDeviceBytes, profile);
    }

    public TornadoEngineOptions withMaxDeviceBytes(long bytes) {
        return new TornadoEngineOptions(maxTokens, maxSequence, headRows, maxPartBytes, bytes, profile);
    }

    public TornadoEngineOptions withProfile(boolean on) {
        return new TornadoEngineOptions(maxTokens, maxSequence, headRows, maxPartBytes, maxDeviceBytes, on);
    }
}
