package dev.llada2.tornado;

import dev.llada2.errors.LladaException;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a forward of {@code tokens} tokens at absolute position {@code start} into device passes of
 * at most {@code maxTokens} tokens. Exact for the block-causal mask when every pass ends on a block
 * boundary: a query of block i only sees keys of blocks 0..i, which are in the KV cache (earlier
 * passes wrote them) or in its own pass. A bidirectional forward cannot be split and must fit one pass.
 */
record ForwardPasses(List<int[]> ranges) {

    /** Ranges {@code [from, to)} relative to the forward's first token. */
    static ForwardPasses split(int start, int tokens, int block, int maxTokens) {
        List<int[]> out = new ArrayList<>();
        if (tokens <= maxTokens) {
            out.add(new int[] {0, tokens});
            return new ForwardPasses(out);
        }
        if (block == 0) {
            throw LladaException.input("a bidirectional forward of " + tokens + " tokens exceeds the TornadoVM"
                    + " engine's " + maxTokens + " tokens per pass and cannot be split (every token sees every"
                    + " other); create the engine with a larger maxTokens");
        }
        int from = 0;
        while (from < tokens) {
            int p0 = start + from;
            int end = Math.min(start + tokens, (p0 + maxTokens) / block * block);
            if (end <= p0) {
                throw LladaException.input("block length " + block + " exceeds the TornadoVM engine's " + maxTokens
                        + " tokens per pass: a block must fit in one pass (create the engine with a larger maxTokens)");
            }
            out.add(new int[] {from, end - start});
            from = end - start;
        }
        return new ForwardPasses(out);
    }
}
