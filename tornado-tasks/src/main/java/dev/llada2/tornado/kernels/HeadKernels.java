package dev.llada2.tornado.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The LM head's greedy read-out on the device: for each requested row, the argmax of the logits
 * (first index on ties) and its softmax probability over the whole vocabulary, mask token included
 * (spec §6.2, the greedy variant). Only these (token, confidence) pairs go back to the host on a
 * greedy decoding step. Two stages, because {@code @Reduce} is unreliable on some OpenCL devices and
 * a work-group cannot see another's local memory:
 * <ol>
 *   <li>{@link #greedyPartial}: per (row, vocabulary chunk) a work-group reduces max, first argmax
 *       and {@code sum exp(logit - chunkMax)};</li>
 *   <li>{@link #greedyCombine}: per row the chunks are merged in vocabulary order.</li>
 * </ol>
 * Twin: {@code CpuLmHead.greedy} (same two-stage structure with its own chunk size).
 */
public final class HeadKernels {

    /** Largest work-group; the local arrays are sized for it. */
    public static final int MAX_THREADS = 256;

    private HeadKernels() {
    }

    /**
     * {@code rows[r][d] = hidden[headRows[r]][d]}: gathers the requested rows of the final hidden
     * states ahead of the LM head matmul.
     *
     * <p>Grid: {@code maxRows * width} work-items rounded up to the local size, one element each.
     */
    public static void gatherRows(KernelContext context, FloatArray hidden, IntArray headRows, FloatArray rows,
                                  int width) {
        int i = context.globalIdx;
        if (i < headRows.get(ForwardParams.HEAD_COUNT) * width) {
            int r = i / width;
            int d = i - r * width;
            rows.set(i, hidden.get(headRows.get(ForwardParams.HEAD_ROWS + r) * width + d));
        }
    }

    /**
     * Stage one: work-group {@code r * chunks + c} reduces vocabulary entries
     * {@code [c * chunk, (c + 1) * chunk)} of logits row {@code r}.
     *
     * <p>Grid: {@code maxRows * chunks x L} work-items, local size {@code L} (a power of two).
     * Work per thread: {@code chunk / L} logits read twice (max, then exp-sum), two tree reductions.
     */
    public static void greedyPartial(KernelContext context, FloatArray logits, IntArray headRows, FloatArray partMax,
                                     IntArray partArg, FloatArray partSum, int vocab, int chunk, int chunks) {
        int group = context.groupIdx;
        int lid = context.localIdx;
        int threads = context.localGroupSizeX;
        float[] maxes = context.allocateFloatLocalArray(MAX_THREADS);
        int[] args = context.allocateIntLocalArray(MAX_THREADS);
        float[] sums = context.allocateFloatLocalArray(MAX_THREADS);
        int r = group / chunks;
        int c = group - r * chunks;
        if (r < headRows.get(ForwardParams.HEAD_COUNT)) {
            int from = c * chunk;
            int to = from + chunk < vocab ? from + chunk : vocab;
            int base = r * vocab;
            float m = Float.NEGATIVE_INFINITY;
            int a = vocab;
            for (int v = from + lid; v < to; v += threads) {
                float l = logits.get(base + v);
                if (l > m) {
                    m = l;
                    a = v;
                }
            }
            maxes[lid] = m;
            args[lid] = a;
            context.localBarrier();
            for (int stride = threads / 2; stride > 0; stride >>= 1) {
                if (lid < stride) {
                    float om = maxes[lid + stride];
                    int oa = args[lid + stride];
                    if (om > maxes[lid] || (om == maxes[lid] && oa < args[lid])) {
                        maxes[lid] = om;
                        args[lid] = oa;
                    }
                }
                context.localBarrier();
            }
            float chunkMax = maxes[0];
            float s = 0f;
            for (int v = from + lid; v < to; v += threads) {
                s += TornadoMath.exp(logits.get(base + v) - chunkMax);
            }
            sums[lid] = s;
            context.localBarrier();
            for (int stride = threads / 2; stride > 0; stride >>= 1) {
                if (lid < stride) {
                    sums[lid] += sums[lid + stride];
                }
                context.localBarrier();
            }
            if (lid == 0) {
                partMax.set(group, chunkMax);
                partArg.set(group, args[0]);
                partSum.set(group, sums[0]);
            }
        }
    }

    /**
     * Stage two, one work-item per row: the global maximum (earliest chunk on ties, so the first
     * index overall), {@code sum = sum_c partSum[c] * exp(partMax[c] - max)}, confidence
     * {@code = 1 / sum} (the argmax's own term is {@code exp(0) = 1}).
     *
     * <p>Grid: {@code maxRows} work-items rounded up to the local size.
     */
    public static void greedyCombine(KernelContext context, FloatArray partMax, IntArray partArg, FloatArray partSum,
                                     IntArray headRows, IntArray tokens, FloatArray confidence, int chunks) {
        int r = context.globalIdx;
        if (r < headRows.get(ForwardParams.HEAD_COUNT)) {
            int base = r * chunks;
            float m = Float.NEGATIVE_INFINITY;
            int a = -1;
            for (int c = 0; c < chunks; c++) {
                float pm = partMax.get(base + c);
                if (pm > m) {
                    m = pm;
                    a = partArg.get(base + c);
                }
            }
            float s = 0f;
            for (int c = 0; c < chunks; c++) {
                s += partSum.get(base + c) * TornadoMath.exp(partMax.get(base + c) - m);
            }
            tokens.set(r, a);
            confidence.set(r, 1.0f / s);
        }
    }
}
