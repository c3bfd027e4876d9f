package dev.llada2.tornado.graphs;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.tornado.format.WeightDecode;
import dev.llada2.tornado.kernels.ForwardParams;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The buffers that travel through the graphs of one device, in execution order: the pass's params,
 * the residual stream entering the device's first layer, the weight-decode table and the RoPE
 * tables. Everything else (weights, KV caches, each layer's residual buffer and scratch) belongs to
 * one graph.
 *
 * @param params       {@link ForwardParams} layout, uploaded once per pass
 * @param hidden       the residual stream entering the first layer {@code h [paddedTokens, hidden]}: the
 *                     embeddings, or what the previous pipeline stage handed on
 * @param scale        {@link WeightDecode#scaleTable()}
 * @param rope         cos/sin tables
 * @param maxTokens    tokens per pass the buffers hold
 * @param paddedTokens {@code maxTokens} rounded up to the matmul tile (rows of activation buffers)
 * @param maxSequence  positions the KV caches hold
 */
public record SharedBuffers(IntArray params, FloatArray hidden, FloatArray scale, RopeTables rope, int maxTokens,
                            int paddedTokens, int maxSequence) {

    public static SharedBuffers allocate(LLaDA2Config c, int maxTokens, int maxSequence) {
        int padded = Grids.paddedTokens(maxTokens);
        return new SharedBuffers(new IntArray(ForwardParams.paramsLength(maxTokens)),
                new FloatArray(padded * c.hiddenSize()), WeightDecode.scaleTable(),
                RopeTables.of(c.rope(), maxSequence), maxTokens, padded, maxSequence);
    }

    /** Writes the params of a pass over {@code ids[from, to)} at absolute position {@code start}. */
    public void setPass(int[] ids, int from, int to, int start, int block) {
        params.set(ForwardParams.TOKENS, to - from);
        params.set(ForwardParams.START, start);
        params.set(ForwardParams.BLOCK, block);
        for (int i = from; i < to; i++) {
            params.set(ForwardParams.TOKEN_IDS + i - from, ids[i]);
        }
    }

    /** A float activation buffer of {@code width} columns for every (padded) token row. */
    public FloatArray activations(int width) {
        return new FloatArray(paddedTokens * width);
    }
}
