package dev.llada2.tornado.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * RMSNorm of whole rows (spec §4.2): {@code out = w * (x / sqrt(mean(x^2) + eps))}, statistic in
 * fp32, no {@code 1 + w} offset: the input, post-attention and final norms. (The per-head QK norm
 * is fused into {@link RopeKernels}.) The CPU twin is {@code VectorOps.rmsNorm}.
 */
public final class NormKernels {

    /** Largest work-group; the local array is sized for it. */
    public static final int MAX_THREADS = 256;

    private NormKernels() {
    }

    /**
     * Normalises rows {@code t < counts[0]} of {@code x [*, width]} into {@code out}.
     *
     * <p>Grid: {@code maxRows x L} work-items, local size {@code L} (a power of two): one work-group
     * per row; groups past the count exit at once. Work per thread: {@code width / L} squares, a
     * {@code log2 L} tree reduction, then {@code width / L} outputs.
     */
    public static void rmsNormRows(KernelContext context, FloatArray x, FloatArray weight, IntArray counts,
                                   FloatArray out, int width, float eps) {
        int row = context.groupIdx;
        int lid = context.localIdx;
        int threads = context.localGroupSizeX;
        float[] partial = context.allocateFloatLocalArray(MAX_THREADS);
        if (row < counts.get(0)) {
            int base = row * width;
            float ss = 0f;
            for (int k = lid; k < width; k += threads) {
                float v = x.get(base + k);
                ss += v * v;
            }
            partial[lid] = ss;
            context.localBarrier();
            for (int stride = threads / 2; stride > 0; stride >>= 1) {
                if (lid < stride) {
                    partial[lid] += partial[lid + stride];
                }
                context.localBarrier();
            }
            float inv = 1.0f / TornadoMath.sqrt(partial[0] / width + eps);
            for (int k = lid; k < width; k += threads) {
                out.set(base + k, weight.get(k) * (x.get(base + k) * inv));
            }
        }
    }

    /**
     * The residual add fused with the norm that follows it: {@code sum = x + delta}, then rows
     * {@code t < counts[0]} of {@code sum} normalised into {@code out}, in one pass over the row instead
     * of an elementwise launch and a norm launch. The sum goes to its own buffer, so the residual stream
     * that entered the layer ({@code x}) survives the layer: every layer of a device runs in one graph,
     * and a trace fetches each layer's output after it. Each thread normalises the elements it wrote,
     * so no barrier is needed between the add and the output; the arithmetic is that of
     * {@code ElementwiseKernels.addInPlace} followed by {@link #rmsNormRows}, bit for bit.
     *
     * <p>Grid: as {@link #rmsNormRows}.
     */
    public static void addRmsNormRows(KernelContext context, FloatArray delta, FloatArray x, FloatArray sum,
                                      FloatArray weight, IntArray counts, FloatArray out, int width, float eps) {
        int row = context.groupIdx;
        int lid = context.localIdx;
        int threads = context.localGroupSizeX;
        float[] partial = context.allocateFloatLocalArray(MAX_THREADS);
        if (row < counts.get(0)) {
            int base = row * width;
            float ss = 0f;
            for (int k = lid; k < width; k += threads) {
                float v = x.get(base + k) + delta.get(base + k);
                sum.set(base + k, v);
                ss += v * v;
            }
            partial[lid] = ss;
            context.localBarrier();
            for (int stride = threads / 2; stride > 0; stride >>= 1) {
                if (lid < stride) {
                    partial[lid] += partial[lid + stride];
                }
                context.localBarrier();
            }
            float inv = 1.0f / TornadoMath.sqrt(partial[0] / width + eps);
            for (int k = lid; k < width; k += threads) {
                out.set(base + k, weight.get(k) * (sum.get(base + k) * inv));
            }
        }
    }
}
