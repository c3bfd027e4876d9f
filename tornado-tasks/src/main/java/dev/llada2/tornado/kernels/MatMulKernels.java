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
 * <p><b>Grid</b> (see {@code Grids.matmulGroups}): one work-group of {@value #THREADS} threads per
 * slice of {@value #ROWS} output rows of a weight part: {@value #SPLIT} k-slices of {@value #ROWS}
 * threads, one thread per (row, k-slice). The weights are k-major
 * ({@code DeviceMatrix.kMajor}, chosen at upload), so at each step the {@value #ROWS} threads of a
 * slice read {@value #ROWS} consecutive 16-bit words (one coalesced load; for a block format,
 * neighbouring blocks). Each round stages {@value #K_CHUNK} columns per slice of a tile of
 * {@value #TILE} token rows in local memory ({@value #SPLIT} x {@value #TILE} x {@value #K_CHUNK}
 * floats, 32 KB); each thread decodes one weight element per column and applies it to the
 * {@value #TILE} tokens of the tile, whose accumulators it keeps in a private array (registers on a
 * GPU: the loops over the tile have a constant trip count). So each weight is read and decoded once
 * per tile of {@value #TILE} tokens, i.e. once per 32-token block (a block format decodes its run's
 * scale and offset once per run of {@link WeightDecode#runLength} and then only the codes). After the
 * last round the {@value #SPLIT} partial sums of each (row, token) meet in the same local array and
 * are added in slice order (one barrier, no tree). Token rows beyond the count are computed from the
 * padding rows of {@code x} (activation buffers are allocated rounded up to {@value #TILE} rows) and
 * never written.
 *
 * <p>Summation order: slice {@code s} runs over the columns of chunks {@code s, s + SPLIT, ...} in
 * order, then the slices are added in order; deterministic, and within rounding of the CPU twin's
 * lane order (the self-test's tolerance).
 *
 * <p>The token count is {@code counts.get(0)} (the pass's params or the head-rows array, see
 * {@link ForwardParams}), so one compiled kernel serves every pass length. The CPU twin is
 * {@code dev.llada2.backend.cpu.MatMul}.
 *
 * <p>The bodies of {@link #matmul} and {@link #gateUpSwiGlu} share their staging and reduction loops
 * on purpose: TornadoVM loses writes to local arrays passed to helper methods.
 */
public final class MatMulKernels {

    /** Tokens whose dot products share one decoded weight element (a whole decoding block). */
    public static final int TILE = 32;
    /** Output rows per work-group: one per thread of a k-slice (a warp on NVIDIA). */
    public static final int ROWS = 32;
    /** K-slices per work-group, whose partial sums are added at the end. */
    public static final int SPLIT = 8;
    /** Columns of each token row a slice stages per round; a multiple of every {@link WeightDecode#runLength}. */
    public static final int K_CHUNK = 32;
    /** Work-group size. */
    public static final int THREADS = ROWS * SPLIT;
    /**
     * Floats of the local array: the staged rows of a round, then the slices' partial sums
     * ({@code SPLIT x TILE x ROWS}, the same size because {@code ROWS == K_CHUNK}).
     */
    private static final int STAGE = SPLIT * TILE * K_CHUNK;
    /** (row, token) outputs each thread adds up and stores per tile. */
    private static final int OUTPUTS = TILE * ROWS / THREADS;

    private MatMulKernels() {
    }

    /**
     * {@code y[t * yStride + yOffset + row] = W[row] . x[t]} for {@code t < counts[0]} and every row
     * of the part {@code w}.
     *
     * <p>Grid: {@code ceil(partRows / ROWS) x THREADS} work-items, local size {@value #THREADS}. Work
     * per thread and tile: {@code cols / SPLIT} weight elements decoded, {@value #TILE} multiply-adds
     * each, then {@value #SPLIT} adds for each of its {@code OUTPUTS} outputs.
     *
     * @param w       a part of the weight, k-major ({@code DeviceMatrix.kMajor}); its rows follow from
     *                its size
     * @param x       activations {@code [tokens (padded to TILE), cols]}
     * @param yStride row stride of {@code y}; {@code yOffset} its first column (a part's first row)
     */
    public static void matmul(KernelContext context, ShortArray w, FloatArray x, IntArray counts, FloatArray scale,
                              FloatArray y, int cols, int format, int yStride, int yOffset) {
        int lid = context.localIdx;
        int slice = lid / ROWS;
        int r = lid - slice * ROWS;
        int row0 = context.groupIdx * ROWS;
        int row = row0 + r;
        int partRows = w.getSize() / WeightDecode.words(cols, format);
        float[] xs = context.allocateFloatLocalArray(STAGE);
        float[] acc = new float[TILE];
        int count = counts.get(0);
        int run = WeightDecode.runLength(format);
        int kFirst = slice * K_CHUNK;
        int sBase = slice * TILE * K_CHUNK;
        for (int t0 = 0; t0 < count; t0 += TILE) {
            for (int j = 0; j < TILE; j++) {
                acc[j] = 0f;
            }
            for (int k0 = 0; k0 < cols; k0 += SPLIT * K_CHUNK) {
                for (int i = lid; i < STAGE; i += THREADS) {
                    int s = i / (TILE * K_CHUNK);
                    int rest = i - s * TILE * K_CHUNK;
                    int t = rest / K_CHUNK;
                    int k = k0 + s * K_CHUNK + rest - t * K_CHUNK;
                    xs[i] = k < cols ? x.get((t0 + t) * cols + k) : 0f;
                }
                context.localBarrier();
                if (row < partRows) {
                    int kEnd = TornadoMath.min(K_CHUNK, cols - k0 - kFirst);
                    float ws = 0f;
                    float wo = 0f;
                    for (int kk = 0; kk < kEnd; kk++) {
                        int wi = WeightDecode.kMajorIndex(k0 + kFirst + kk, partRows, row, format);
                        float wk;
                        if (run == 1) {
                            wk = WeightDecode.element(w, wi, format, scale);
                        } else {
                            int at = WeightDecode.blockAt(wi, format);
                            int o = WeightDecode.inBlock(wi, format);
                            if (kk - (kk / run) * run == 0) {
                                ws = WeightDecode.runScale(w, at, o, format, scale);
                                wo = WeightDecode.runOffset(w, at, o, format, scale);
                            }
                            wk = ws * (float) WeightDecode.code(w, at, o, format) - wo;
                        }
                        for (int j = 0; j < TILE; j++) {
                            acc[j] += wk * xs[sBase + j * K_CHUNK + kk];
                        }
                    }
                }
                context.localBarrier();
            }
            for (int j = 0; j < TILE; j++) {
                xs[(slice * TILE + j) * ROWS + r] = acc[j];
            }
            context.localBarrier();
            for (int q = 0; q < OUTPUTS; q++) {
                int o = q * THREADS + lid;
                int t = o / ROWS;
                int rr = o - t * ROWS;
                float sum = 0f;
                for (int s = 0; s < SPLIT; s++) {
                    sum += xs[(s * TILE + t) * ROWS + rr];
                }
                if (t0 + t < count && row0 + rr < partRows) {
                    y.set((t0 + t) * yStride + yOffset + row0 + rr, sum);
                }
            }
            context.localBarrier();
        }
    }

    /**
     * The first half of a SwiGLU MLP (spec §4.4): {@code h[t * hStride + hOffset + row] =
     * silu(Wgate[row] . x[t]) * (Wup[row] . x[t])} for {@code t < counts[0]}. The dense MLP and the
     * shared expert use it; the routed experts have their own grouped version in {@link MoeKernels}.
     *
     * <p>Grid and shape as {@link #matmul}, with a gate and an up accumulator per token (both weights
     * k-major); the gate sums are added up first and kept in registers while the local array takes
     * the up sums.
     */
    public static void gateUpSwiGlu(KernelContext context, ShortArray gate, ShortArray up, FloatArray x,
                                    IntArray counts, FloatArray scale, FloatArray h, int cols, int format, int hStride,
                                    int hOffset) {
        int lid = context.localIdx;
        int slice = lid / ROWS;
        int r = lid - slice * ROWS;
        int row0 = context.groupIdx * ROWS;
        int row = row0 + r;
        int partRows = gate.getSize() / WeightDecode.words(cols, format);
        float[] xs = context.allocateFloatLocalArray(STAGE);
        float[] g = new float[TILE];
        float[] u = new float[TILE];
        float[] gSum = new float[OUTPUTS];
        int count = counts.get(0);
        int run = WeightDecode.runLength(format);
        int kFirst = slice * K_CHUNK;
        int sBase = slice * TILE * K_CHUNK;
        for (int t0 = 0; t0 < count; t0 += TILE) {
            for (int j = 0; j < TILE; j++) {
                g[j] = 0f;
                u[j] = 0f;
            }
            for (int k0 = 0; k0 < cols; k0 += SPLIT * K_CHUNK) {
                for (int i = lid; i < STAGE; i += THREADS) {
                    int s = i / (TILE * K_CHUNK);
                    int rest = i - s * TILE * K_CHUNK;
                    int t = rest / K_CHUNK;
                    int k = k0 + s * K_CHUNK + rest - t * K_CHUNK;
                    xs[i] = k < cols ? x.get((t0 + t) * cols + k) : 0f;
                }
                context.localBarrier();
                if (row < partRows) {
                    int kEnd = TornadoMath.min(K_CHUNK, cols - k0 - kFirst);
                    float gs = 0f;
                    float go = 0f;
                    float us = 0f;
                    float uo = 0f;
                    for (int kk = 0; kk < kEnd; kk++) {
                        int wi = WeightDecode.kMajorIndex(k0 + kFirst + kk, partRows, row, format);
                        float gk;
                        float uk;
                        if (run == 1) {
                            gk = WeightDecode.element(gate, wi, format, scale);
                            uk = WeightDecode.element(up, wi, format, scale);
                        } else {
                            int at = WeightDecode.blockAt(wi, format);
                            int o = WeightDecode.inBlock(wi, format);
                            if (kk - (kk / run) * run == 0) {
                                gs = WeightDecode.runScale(gate, at, o, format, scale);
                                go = WeightDecode.runOffset(gate, at, o, format, scale);
                                us = WeightDecode.runScale(up, at, o, format, scale);
                                uo = WeightDecode.runOffset(up, at, o, format, scale);
                            }
                            gk = gs * (float) WeightDecode.code(gate, at, o, format) - go;
                            uk = us * (float) WeightDecode.code(up, at, o, format) - uo;
                        }
                        for (int j = 0; j < TILE; j++) {
                            float v = xs[sBase + j * K_CHUNK + kk];
                            g[j] += gk * v;
                            u[j] += uk * v;
                        }
                    }
                }
                context.localBarrier();
            }
            for (int j = 0; j < TILE; j++) {
                xs[(slice * TILE + j) * ROWS + r] = g[j];
            }
            context.localBarrier();
            for (int q = 0; q < OUTPUTS; q++) {
                int o = q * THREADS + lid;
                int t = o / ROWS;
                int rr = o - t * ROWS;
                float sum = 0f;
                for (int s = 0; s < SPLIT; s++) {
                    sum += xs[(s * TILE + t) * ROWS + rr];
                }
                gSum[q] = sum;
            }
            context.localBarrier();
            for (int j = 0; j < TILE; j++) {
                xs[(slice * TILE + j) * ROWS + r] = u[j];
            }
            context.localBarrier();
            for (int q = 0; q < OUTPUTS; q++) {
                int o = q * THREADS + lid;
                int t = o / ROWS;
                int rr = o - t * ROWS;
                float sum = 0f;
                for (int s = 0; s < SPLIT; s++) {
                    sum += xs[(s * TILE + t) * ROWS + rr];
                }
                if (t0 + t < count && row0 + rr < partRows) {
                    h.set((t0 + t) * hStride + hOffset + row0 + rr, swiGlu(gSum[q], sum));
                }
            }
            context.localBarrier();
        }
    }

    /** {@code silu(g) * u} with {@code silu(z) = z / (1 + exp(-z))}, as the CPU engine computes it. */
    public static float swiGlu(float g, float u) {
        return g / (1.0f + TornadoMath.exp(-g)) * u;
    }
}
