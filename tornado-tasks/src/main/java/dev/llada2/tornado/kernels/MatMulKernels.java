package dev.llada2.tornado.kernels;

import dev.llada2.tornado.format.WeightDecode;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Weight-times-activations for every token of a pass: {@code y[t][n] = sum_k W[n][k] x[t][k]}, the
 * projections of attention, the dense MLP, the shared expert, the router and the LM head.
 *
 * <p><b>Grid</b> (see {@code Grids.rowsTimesThreads}): one work-group of {@code L} threads (a power of
 * two, at most {@value #MAX_THREADS}) per output row. The threads of a group split the row's
 * {@code k} range in runs of {@code WeightDecode.runLength} elements, dealt round-robin (single
 * elements for BF16/F16/F32; for a llama.cpp block format the 16 or 32 elements that share a scale,
 * decoded once per run); for each tile of {@value #TILE} tokens each thread accumulates its partial
 * dot products, and a local-memory tree reduction combines them. Each weight element is read and
 * decoded once per tile (the row stays in cache between tiles), so a 32-token block reads the
 * weights from memory once. Token rows beyond the count are computed from the padding rows of
 * {@code x} (buffers are allocated rounded up to the tile) and never written.
 *
 * <p>The token count is {@code counts.get(0)} (the pass's params or the head-rows array, see
 * {@link ForwardParams}), so one compiled kernel serves every pass length. The CPU twin is
 * {@code dev.llada2.backend.cpu.MatMul}.
 */
public final class MatMulKernels {

    /** Tokens whose dot products share one decoded weight element. */
    public static final int TILE = 4;
    /** Largest work-group; the local arrays are sized for it. */
    public static final int MAX_THREADS = 256;

    private MatMulKernels() {
    }

    /**
     * {@code y[t * yStride + yOffset + row] = W[row] . x[t]} for {@code t < counts[0]}.
     *
     * <p>Grid: {@code rows x L} work-items, local size {@code L}. Work per thread: {@code cols / L}
     * weight elements per tile of four tokens, then {@code log2 L} reduction steps.
     *
     * @param w       weight rows {@code [rows, cols]} in format {@code format}
     * @param x       activations {@code [tokens (padded to TILE), cols]}
     * @param yStride row stride of {@code y}; {@code yOffset} its first column (a part's first row)
     */
    public static void matmul(KernelContext context, ShortArray w, FloatArray x, IntArray counts, FloatArray scale,
                              FloatArray y, int cols, int format, int yStride, int yOffset) {
        int row = context.groupIdx;
        int lid = context.localIdx;
        int threads = context.localGroupSizeX;
        float[] partial = context.allocateFloatLocalArray(TILE * MAX_THREADS);
        int count = counts.get(0);
        int wBase = row * cols;
        int run = WeightDecode.runLength(format);
        for (int t0 = 0; t0 < count; t0 += TILE) {
            int x0 = t0 * cols;
            float a0 = 0f;
            float a1 = 0f;
            float a2 = 0f;
            float a3 = 0f;
            for (int r0 = lid * run; r0 < cols; r0 += threads * run) {
                float ws = 0f;
                float wo = 0f;
                int at = 0;
                int o0 = 0;
                if (run > 1) {
                    at = WeightDecode.blockAt(wBase + r0, format);
                    o0 = WeightDecode.inBlock(wBase + r0, format);
                    ws = WeightDecode.runScale(w, at, o0, format, scale);
                    wo = WeightDecode.runOffset(w, at, o0, format, scale);
                }
                for (int e = 0; e < run; e++) {
                    int k = r0 + e;
                    float wk;
                    if (run == 1) {
                        wk = WeightDecode.element(w, wBase + k, format, scale);
                    } else {
                        wk = ws * (float) WeightDecode.code(w, at, o0 + e, format) - wo;
                    }
                    a0 += wk * x.get(x0 + k);
                    a1 += wk * x.get(x0 + cols + k);
                    a2 += wk * x.get(x0 + 2 * cols + k);
                    a3 += wk * x.get(x0 + 3 * cols + k);
                }
            }
            partial[lid] = a0;
            partial[threads + lid] = a1;
            partial[2 * threads + lid] = a2;
            partial[3 * threads + lid] = a3;
            context.localBarrier();
            for (int stride = threads / 2; stride > 0; stride >>= 1) {
                if (lid < stride) {
                    partial[lid] += partial[lid + stride];
                    partial[threads + lid] += partial[threads + lid + stride];
                    partial[2 * threads + lid] += partial[2 * threads + lid + stride];
                    partial[3 * threads + lid] += partial[3 * threads + lid + stride];
                }
                context.localBarrier();
            }
            if (lid < TILE && t0 + lid < count) {
                y.set((t0 + lid) * yStride + yOffset + row, partial[lid * threads]);
            }
            context.localBarrier();
        }
    }

    /**
     * The first half of a SwiGLU MLP (spec §4.4): {@code h[t * hStride + hOffset + row] =
     * silu(Wgate[row] . x[t]) * (Wup[row] . x[t])} for {@code t < counts[0]}. The dense MLP and the
     * shared expert use it; the routed experts have their own grouped version in {@link MoeKernels}.
     *
     * <p>Grid: {@code rows x L} work-items, local size {@code L}; as {@link #matmul} with two weight
     * rows read per group.
     */
    public static void gateUpSwiGlu(KernelContext context, ShortArray gate, ShortArray up, FloatArray x,
                                    IntArray counts, FloatArray scale, FloatArray h, int cols, int format, int hStride,
                                    int hOffset) {
        int row = context.groupIdx;
        int lid = context.localIdx;
        int threads = context.localGroupSizeX;
        float[] partial = context.allocateFloatLocalArray(2 * TILE * MAX_THREADS);
        int count = counts.get(0);
        int wBase = row * cols;
        int run = WeightDecode.runLength(format);
        for (int t0 = 0; t0 < count; t0 += TILE) {
            int x0 = t0 * cols;
            float g0 = 0f;
            float g1 = 0f;
            float g2 = 0f;
            float g3 = 0f;
            float u0 = 0f;
            float u1 = 0f;
            float u2 = 0f;
            float u3 = 0f;
            for (int r0 = lid * run; r0 < cols; r0 += threads * run) {
                float gs = 0f;
                float go = 0f;
                float us = 0f;
                float uo = 0f;
                int at = 0;
                int o0 = 0;
                if (run > 1) {
                    at = WeightDecode.blockAt(wBase + r0, format);
                    o0 = WeightDecode.inBlock(wBase + r0, format);
                    gs = WeightDecode.runScale(gate, at, o0, format, scale);
                    go = WeightDecode.runOffset(gate, at, o0, format, scale);
                    us = WeightDecode.runScale(up, at, o0, format, scale);
                    uo = WeightDecode.runOffset(up, at, o0, format, scale);
                }
                for (int e = 0; e < run; e++) {
                    int k = r0 + e;
                    float gk;
                    float uk;
                    if (run == 1) {
                        gk = WeightDecode.element(gate, wBase + k, format, scale);
                        uk = WeightDecode.element(up, wBase + k, format, scale);
                    } else {
                        gk = gs * (float) WeightDecode.code(gate, at, o0 + e, format) - go;
                        uk = us * (float) WeightDecode.code(up, at, o0 + e, format) - uo;
                    }
                    float v0 = x.get(x0 + k);
                    float v1 = x.get(x0 + cols + k);
                    float v2 = x.get(x0 + 2 * cols + k);
                    float v3 = x.get(x0 + 3 * cols + k);
                    g0 += gk * v0;
                    g1 += gk * v1;
                    g2 += gk * v2;
                    g3 += gk * v3;
                    u0 += uk * v0;
                    u1 += uk * v1;
                    u2 += uk * v2;
                    u3 += uk * v3;
                }
            }
            partial[lid] = g0;
            partial[threads + lid] = g1;
            partial[2 * threads + lid] = g2;
            partial[3 * threads + lid] = g3;
            partial[4 * threads + lid] = u0;
            partial[5 * threads + lid] = u1;
            partial[6 * threads + lid] = u2;
            partial[7 * threads + lid] = u3;
            context.localBarrier();
            for (int stride = threads / 2; stride > 0; stride >>= 1) {
                if (lid < stride) {
                    for (int j = 0; j < 2 * TILE; j++) {
                        partial[j * threads + lid] += partial[j * threads + lid + stride];
                    }
                }
                context.localBarrier();
            }
            if (lid < TILE && t0 + lid < count) {
                h.set((t0 + lid) * hStride + hOffset + row,
                        swiGlu(partial[lid * threads], partial[(TILE + lid) * threads]));
            }
            context.localBarrier();
        }
    }

    /** {@code silu(g) * u} with {@code silu(z) = z / (1 + exp(-z))}, as the CPU engine computes it. */
    public static float swiGlu(float g, float u) {
        return g / (1.0f + TornadoMath.exp(-g)) * u;
    }
}
