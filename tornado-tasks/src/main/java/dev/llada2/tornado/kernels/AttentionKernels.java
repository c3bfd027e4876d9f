package dev.llada2.tornado.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Grouped-query attention of a pass's queries against the layer's device KV cache (spec §4.3, §5):
 * query head {@code h} reads key/value head {@code h / (heads / kvHeads)}; the query at absolute
 * position {@code p} sees keys {@code [0, keyLimit(p))} (block-causal across blocks and
 * bidirectional inside one, or everything for the bidirectional mask; see
 * {@link ForwardParams#keyLimit}). The keys of the pass itself were stored into the cache by
 * {@link RopeKernels} just before. The CPU twin is {@code CpuAttention}.
 */
public final class AttentionKernels {

    /** Largest head dimension (and work-group size) the local arrays hold. */
    public static final int MAX_HEAD_DIM = 256;
    /** Keys scored per round; longer prefixes are processed in rounds with a running softmax. */
    public static final int KEY_CHUNK = 512;

    private AttentionKernels() {
    }

    /**
     * One work-group per (token, query head). In each round of up to {@value #KEY_CHUNK} keys the
     * threads score one key each ({@code q . k / sqrt(headDim)}, keys strided over the threads) into
     * local memory, reduce the round's maximum, turn the scores into {@code exp(s - max)}, and then
     * thread {@code d < headDim} accumulates output element {@code d}; the sum and output of earlier
     * rounds are rescaled by {@code exp(oldMax - newMax)} (an online softmax, equal to the two-pass
     * softmax of the twin up to rounding).
     *
     * <p>Grid: {@code maxTokens * heads x L} work-items, local size {@code L} = the smallest power of
     * two {@code >= headDim}. Work per thread: {@code keys / L} dot products of {@code headDim}, and
     * {@code keys} multiply-adds for its output element.
     *
     * @param q   queries {@code [tokens, heads * headDim]}
     * @param out receives the attention context {@code [tokens, heads * headDim]}
     */
    public static void attention(KernelContext context, FloatArray q, FloatArray keys, FloatArray values,
                                 IntArray params, FloatArray out, int heads, int kvHeads, int headDim,
                                 float scale) {
        int group = context.groupIdx;
        int lid = context.localIdx;
        int threads = context.localGroupSizeX;
        float[] query = context.allocateFloatLocalArray(MAX_HEAD_DIM);
        float[] scores = context.allocateFloatLocalArray(KEY_CHUNK);
        float[] partial = context.allocateFloatLocalArray(MAX_HEAD_DIM);
        int t = group / heads;
        int h = group - t * heads;
        int tokens = params.get(ForwardParams.TOKENS);
        if (t < tokens) {
            int start = params.get(ForwardParams.START);
            int limit = ForwardParams.keyLimit(start + t, start + tokens, params.get(ForwardParams.BLOCK));
            int kvDim = kvHeads * headDim;
            int kvOffset = (h / (heads / kvHeads)) * headDim;
            int qOffset = t * heads * headDim + h * headDim;
            for (int d = lid; d < headDim; d += threads) {
                query[d] = q.get(qOffset + d);
            }
            context.localBarrier();
            float max = Float.NEGATIVE_INFINITY;
            float sum = 0f;
            float acc = 0f;
            for (int c0 = 0; c0 < limit; c0 += KEY_CHUNK) {
                int n = limit - c0 < KEY_CHUNK ? limit - c0 : KEY_CHUNK;
                float localMax = Float.NEGATIVE_INFINITY;
                for (int j = lid; j < n; j += threads) {
                    int kBase = (c0 + j) * kvDim + kvOffset;
                    float s = 0f;
                    for (int d = 0; d < headDim; d++) {
                        s += query[d] * keys.get(kBase + d);
                    }
                    s = s * scale;
                    scores[j] = s;
                    localMax = TornadoMath.max(localMax, s);
                }
                partial[lid] = localMax;
                context.localBarrier();
                for (int stride = threads / 2; stride > 0; stride >>= 1) {
                    if (lid < stride) {
                        partial[lid] = TornadoMath.max(partial[lid], partial[lid + stride]);
                    }
                    context.localBarrier();
                }
                float newMax = TornadoMath.max(max, partial[0]);
                context.localBarrier();
                for (int j = lid; j < n; j += threads) {
                    scores[j] = TornadoMath.exp(scores[j] - newMax);
                }
                context.localBarrier();
                float correction = TornadoMath.exp(max - newMax);
                float roundSum = 0f;
                float roundAcc = 0f;
                for (int j = 0; j < n; j++) {
                    float p = scores[j];
                    roundSum += p;
                    if (lid < headDim) {
                        roundAcc += p * values.get((c0 + j) * kvDim + kvOffset + lid);
                    }
                }
                sum = sum * correction + roundSum;
                acc = acc * correction + roundAcc;
                max = newMax;
                context.localBarrier();
            }
            if (lid < headDim) {
                out.set(qOffset + lid, acc / sum);
            }
        }
    }
}
