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
    /** Queries (query heads of one KV head x tokens) that share each staged key/value chunk. */
    public static final int QUERIES = 8;
    /** Keys (and values) staged in local memory per round. */
    public static final int KEY_CHUNK = 16;
    /** Row stride of the staged keys: one more than the largest head, so that rows fall in different banks. */
    private static final int K_STRIDE = MAX_HEAD_DIM + 1;

    private AttentionKernels() {
    }

    /**
     * Floats of one partial softmax state in the {@code partials} buffer: the unnormalised output
     * ({@code headDim}), then the running maximum and the sum.
     */
    public static int partialWidth(int headDim) {
        return headDim + 2;
    }

    /**
     * Splits over keys that a query with key limit {@code limit} spans: {@code ceil(limit / splitKeys)},
     * at least 1. Kernel code and the host share it.
     */
    public static int splitsOf(int limit, int splitKeys) {
        int n = (limit + splitKeys - 1) / splitKeys;
        return n > 1 ? n : 1;
    }

    /**
     * One work-group per (KV head, slice of {@value #QUERIES} queries, split of {@code splitKeys}
     * keys): the queries of a KV head are numbered {@code f = t * (heads / kvHeads) + hh} over the
     * pass's tokens {@code t} and the query heads {@code hh} that read it; group {@code g} takes split
     * {@code s = g % splits} and, of {@code r = g / splits}, KV head {@code r % kvHeads} and slice
     * {@code r / kvHeads}: {@code f} in {@code [slice * QUERIES, (slice + 1) * QUERIES)} (on LLaDA2
     * mini, 4 query heads of each of 2 tokens), keys {@code [s * splitKeys, (s + 1) * splitKeys)}
     * below each query's limit. The group stages its queries in local memory once; then, per round
     * of {@value #KEY_CHUNK} keys of its split up to the largest key limit of its queries, it copies
     * the keys and values of the round into local memory (whole rows: coalesced loads, each read once
     * for all the group's queries), scores every (query, key) pair ({@code q . k / sqrt(headDim)},
     * keys past a query's limit or the split masked), and updates per query a running maximum and sum
     * (an online softmax: earlier rounds rescaled by {@code exp(oldMax - newMax)}, equal to the twin's
     * two-pass softmax up to rounding); thread {@code d < headDim} keeps output element {@code d} of
     * every query of the group in a private array of {@value #QUERIES} accumulators.
     *
     * <p>A query whose keys fit one split ({@link #splitsOf} = 1: every query when {@code splits} is 1)
     * gets its normalised output in {@code out} from split 0, exactly as an unsplit kernel computes it;
     * the merge skips it. Otherwise each split that holds some of its keys writes the query's partial
     * state (unnormalised output, maximum, sum; {@link #partialWidth}) to {@code partials} at
     * {@code ((t * heads + h) * splits + s) * partialWidth}, and {@link #mergeSplits} combines them.
     * Groups of a split past their queries' keys (every split but the first of a short cache) load
     * nothing: each thread computes the group's largest key limit itself, and its loops run zero times
     * (the barriers stay unconditional: with the body inside one branch, the head_dim-24 self-test
     * rows failed on PoCL; cause not investigated).
     *
     * <p>Grid: {@code kvHeads * ceil(maxTokens * heads / kvHeads / QUERIES) * splits x L} work-items,
     * local size {@code L} = the smallest power of two {@code >= headDim}. Work per round and thread:
     * {@code KEY_CHUNK * headDim / L} staged elements of keys and of values,
     * {@code QUERIES * KEY_CHUNK / L} dot products of {@code headDim}, {@code QUERIES * KEY_CHUNK}
     * multiply-adds for its output elements; four barriers.
     *
     * @param q         queries {@code [tokens, heads * headDim]}
     * @param out       receives the attention context {@code [tokens, heads * headDim]} of one-split queries
     * @param partials  receives the partial states of the other queries
     *                  {@code [maxTokens, heads, splits, partialWidth]}
     * @param splitKeys keys per split, a multiple of {@value #KEY_CHUNK} when {@code splits > 1}
     * @param splits    splits of the grid: {@code ceil(maxSequence / splitKeys)}
     */
    public static void attention(KernelContext context, FloatArray q, FloatArray keys, FloatArray values,
                                 IntArray params, FloatArray out, FloatArray partials, int heads, int kvHeads,
                                 int headDim, float scale, int splitKeys, int splits) {
        int lid = context.localIdx;
        int threads = context.localGroupSizeX;
        float[] qs = context.allocateFloatLocalArray(QUERIES * MAX_HEAD_DIM);
        float[] ks = context.allocateFloatLocalArray(KEY_CHUNK * K_STRIDE);
        float[] vs = context.allocateFloatLocalArray(KEY_CHUNK * MAX_HEAD_DIM);
        float[] ps = context.allocateFloatLocalArray(QUERIES * KEY_CHUNK);
        float[] qMax = context.allocateFloatLocalArray(QUERIES);
        float[] qSum = context.allocateFloatLocalArray(QUERIES);
        float[] qCorrection = context.allocateFloatLocalArray(QUERIES);
        int[] qLimit = context.allocateIntLocalArray(QUERIES);
        float[] acc = new float[QUERIES];
        int split = context.groupIdx - (context.groupIdx / splits) * splits;
        int rest = context.groupIdx / splits;
        int kv = rest - (rest / kvHeads) * kvHeads;
        int first = (rest / kvHeads) * QUERIES;
        int perKv = heads / kvHeads;
        int tokens = params.get(ForwardParams.TOKENS);
        int start = params.get(ForwardParams.START);
        int block = params.get(ForwardParams.BLOCK);
        int kvDim = kvHeads * headDim;
        int kvOffset = kv * headDim;
        int lo = split * splitKeys;
        int limit = 0;
        for (int i = 0; i < QUERIES; i++) {
            int t = (first + i) / perKv;
            if (t < tokens) {
                limit = TornadoMath.max(limit, ForwardParams.keyLimit(start + t, start + tokens, block));
            }
        }
        int staged = lo < limit ? QUERIES * headDim : 0;
        for (int e = lid; e < staged; e += threads) {
            int i = e / headDim;
            int d = e - i * headDim;
            int f = first + i;
            int t = f / perKv;
            float v = 0f;
            if (t < tokens) {
                v = q.get(t * heads * headDim + (kv * perKv + f - t * perKv) * headDim + d);
            }
            qs[i * MAX_HEAD_DIM + d] = v;
        }
        if (lid < QUERIES) {
            int t = (first + lid) / perKv;
            qLimit[lid] = t < tokens ? ForwardParams.keyLimit(start + t, start + tokens, block) : 0;
            qMax[lid] = Float.NEGATIVE_INFINITY;
            qSum[lid] = 0f;
        }
        for (int i = 0; i < QUERIES; i++) {
            acc[i] = 0f;
        }
        context.localBarrier();
        int hi = TornadoMath.min(limit, lo + splitKeys);
        for (int c0 = lo; c0 < hi; c0 += KEY_CHUNK) {
            for (int e = lid; e < KEY_CHUNK * headDim; e += threads) {
                int j = e / headDim;
                int d = e - j * headDim;
                float kValue = 0f;
                float vValue = 0f;
                if (c0 + j < hi) {
                    kValue = keys.get((c0 + j) * kvDim + kvOffset + d);
                    vValue = values.get((c0 + j) * kvDim + kvOffset + d);
                }
                ks[j * K_STRIDE + d] = kValue;
                vs[j * MAX_HEAD_DIM + d] = vValue;
            }
            context.localBarrier();
            for (int e = lid; e < QUERIES * KEY_CHUNK; e += threads) {
                int i = e / KEY_CHUNK;
                int j = e - i * KEY_CHUNK;
                float s = Float.NEGATIVE_INFINITY;
                if (c0 + j < TornadoMath.min(qLimit[i], hi)) {
                    float dot = 0f;
                    for (int d = 0; d < headDim; d++) {
                        dot += qs[i * MAX_HEAD_DIM + d] * ks[j * K_STRIDE + d];
                    }
                    s = dot * scale;
                }
                ps[e] = s;
            }
            context.localBarrier();
            if (lid < QUERIES) {
                float old = qMax[lid];
                float m = old;
                for (int j = 0; j < KEY_CHUNK; j++) {
                    m = TornadoMath.max(m, ps[lid * KEY_CHUNK + j]);
                }
                float correction = 1f;
                float sum = 0f;
                if (m != Float.NEGATIVE_INFINITY) {
                    correction = TornadoMath.exp(old - m);
                    for (int j = 0; j < KEY_CHUNK; j++) {
                        float p = TornadoMath.exp(ps[lid * KEY_CHUNK + j] - m);
                        ps[lid * KEY_CHUNK + j] = p;
                        sum += p;
                    }
                } else {
                    for (int j = 0; j < KEY_CHUNK; j++) {
                        ps[lid * KEY_CHUNK + j] = 0f;
                    }
                }
                qSum[lid] = qSum[lid] * correction + sum;
                qCorrection[lid] = correction;
                qMax[lid] = m;
            }
            context.localBarrier();
            if (lid < headDim) {
                for (int i = 0; i < QUERIES; i++) {
                    float a = acc[i] * qCorrection[i];
                    for (int j = 0; j < KEY_CHUNK; j++) {
                        a += ps[i * KEY_CHUNK + j] * vs[j * MAX_HEAD_DIM + lid];
                    }
                    acc[i] = a;
                }
            }
            context.localBarrier();
        }
        int width = partialWidth(headDim);
        if (lid < headDim) {
            for (int i = 0; i < QUERIES; i++) {
                int f = first + i;
                int t = f / perKv;
                int h = kv * perKv + f - t * perKv;
                if (t < tokens && lo < qLimit[i]) {
                    if (splitsOf(qLimit[i], splitKeys) == 1) {
                        out.set(t * heads * headDim + h * headDim + lid, acc[i] / qSum[i]);
                    } else {
                        int p = ((t * heads + h) * splits + split) * width;
                        partials.set(p + lid, acc[i]);
                        if (lid == 0) {
                            partials.set(p + headDim, qMax[i]);
                            partials.set(p + headDim + 1, qSum[i]);
                        }
                    }
                }
            }
        }
    }

    /**
     * Combines the partial states that {@link #attention} wrote for the queries spanning more than
     * one split, in split order: with {@code M} the largest of their maxima, output element
     * {@code d = sum_s exp(m_s - M) * o_s[d] / sum_s exp(m_s - M) * l_s}. One work-group per
     * (token, query head), thread {@code d < headDim} computes element {@code d}; queries of one
     * split (written by {@link #attention} itself) and tokens past the pass are left alone.
     *
     * <p>Grid: {@code maxTokens * heads x L} work-items, {@code L} as in {@link #attention}.
     */
    public static void mergeSplits(KernelContext context, FloatArray partials, IntArray params, FloatArray out,
                                   int heads, int headDim, int splitKeys, int splits) {
        int lid = context.localIdx;
        int t = context.groupIdx / heads;
        int h = context.groupIdx - t * heads;
        int tokens = params.get(ForwardParams.TOKENS);
        int start = params.get(ForwardParams.START);
        int block = params.get(ForwardParams.BLOCK);
        if (t < tokens && lid < headDim) {
            int n = splitsOf(ForwardParams.keyLimit(start + t, start + tokens, block), splitKeys);
            if (n > 1) {
                int width = partialWidth(headDim);
                int base = (t * heads + h) * splits * width;
                float m = Float.NEGATIVE_INFINITY;
                for (int s = 0; s < n; s++) {
                    m = TornadoMath.max(m, partials.get(base + s * width + headDim));
                }
                float sum = 0f;
                float o = 0f;
                for (int s = 0; s < n; s++) {
                    int p = base + s * width;
                    float w = TornadoMath.exp(partials.get(p + headDim) - m);
                    sum += w * partials.get(p + headDim + 1);
                    o += w * partials.get(p + lid);
                }
                out.set(t * heads * headDim + h * headDim + lid, o / sum);
            }
        }
    }
}
