package dev.llada2.backend.cpu;

import dev.llada2.backend.cpu.format.CpuWeightFormat;
import dev.llada2.weights.Matrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weight-times-activations for a block of tokens: {@code y[t][n] = sum_k W[n][k] x[t][k]}.
 *
 * <p>Diffusion decoding runs a whole block (up to 32 tokens) per forward, so the work is a
 * matrix-matrix product in which each weight row is read from memory once and reused for every
 * token: rows are widened to fp32 {@value #TILE} at a time into a per-thread buffer (which stays in
 * L1), then dotted with each token's activations. Rows are split across the device's threads.
 */
public final class MatMul {

    /** Rows widened and reused together; 4 keeps four accumulators live per token. */
    static final int TILE = 4;
    /** Tiles per parallel task: enough work to amortise scheduling. */
    private static final int TILES_PER_TASK = 8;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private MatMul() {
    }

    /** {@code y[t*rows + n]} for all rows of {@code w}, {@code x[t*cols + k]}, in parallel on {@code device}. */
    public static void multiply(CpuDevice device, Matrix w, float[] x, int tokens, float[] y) {
        multiplyRows(device, w, 0, w.rows(), x, tokens, y, w.rows(), 0);
    }

    /**
     * Rows {@code [from, to)} of {@code w} into {@code y[t*ldy + yOff + (n - from)]}, in parallel.
     */
    public static void multiplyRows(CpuDevice device, Matrix w, int from, int to, float[] x, int tokens,
                                    float[] y, int ldy, int yOff) {
        int tiles = (to - from + TILE - 1) / TILE;
        int tasks = Math.max(1, Math.min(tiles / TILES_PER_TASK, device.threads() * 8));
        if (tasks == 1) {
            rows(w, from, to, x, tokens, y, ldy, yOff);
            return;
        }
        int tilesPerTask = (tiles + tasks - 1) / tasks;
        device.parallelFor(tasks, task -> {
            int a = from + task * tilesPerTask * TILE;
            int b = Math.min(to, a + tilesPerTask * TILE);
            if (a < b) {
                rows(w, a, b, x, tokens, y, ldy, yOff + (a - from));
            }
        });
    }

    /**
     * Single-threaded: rows {@code [from, to)} into {@code y[t*ldy + yOff + (n - from)]}; {@code x}
     * holds {@code tokens} rows of {@code w.cols()} values.
     */
    public static void rows(Matrix w, int from, int to, float[] x, int tokens, float[] y, int ldy, int yOff) {
        CpuWeightFormat format = CpuWeightFormat.of(w.dtype());
        int k = w.cols();
        if (tokens == 1 && k % F.length() == 0) {
            // one token reads each weight once: widen in registers, no buffer
            for (int n = from; n < to; n++) {
                y[yOff + (n - from)] = dotDirect(format, w, n, x);
            }
            return;
        }
        float[] s = scratch(TILE * k);
        int n = from;
        for (; n + TILE <= to; n += TILE) {
            format.decode(w.data(), (long) n * k, TILE * k, s, 0);
            int t = 0;
            for (; t + TILE <= tokens; t += TILE) {
                dot4x4(s, k, x, t * k, y, t * ldy + yOff + (n - from), ldy);
            }
            for (; t < tokens; t++) {
                dot4(s, k, x, t * k, y, t * ldy + yOff + (n - from));
            }
        }
        for (; n < to; n++) {
            format.decode(w.data(), (long) n * k, k, s, 0);
            for (int t = 0; t < tokens; t++) {
                y[t * ldy + yOff + (n - from)] = VectorOps.dot(s, 0, x, t * k, k);
            }
        }
    }

    /**
     * Four rows of {@code s} (stride k) against four tokens {@code x[xo + j*k ..]}: 16 accumulators,
     * so each loaded weight vector and each loaded activation vector feeds four FMAs. Results go to
     * {@code y[yo + j*ldy + r]} for token j, row r.
     */
    private static void dot4x4(float[] s, int k, float[] x, int xo, float[] y, int yo, int ldy) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int lanes = F.length();
        int i = 0;
        for (; i <= k - lanes; i += lanes) {
            FloatVector w0 = FloatVector.fromArray(F, s, i);
            FloatVector w1 = FloatVector.fromArray(F, s, k + i);
            FloatVector w2 = FloatVector.fromArray(F, s, 2 * k + i);
            FloatVector w3 = FloatVector.fromArray(F, s, 3 * k + i);
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
            a00 = w0.fma(x0, a00);
            a10 = w1.fma(x0, a10);
            a20 = w2.fma(x0, a20);
            a30 = w3.fma(x0, a30);
            FloatVector x1 = FloatVector.fromArray(F, x, xo + k + i);
            a01 = w0.fma(x1, a01);
            a11 = w1.fma(x1, a11);
            a21 = w2.fma(x1, a21);
            a31 = w3.fma(x1, a31);
            FloatVector x2 = FloatVector.fromArray(F, x, xo + 2 * k + i);
            a02 = w0.fma(x2, a02);
            a12 = w1.fma(x2, a12);
            a22 = w2.fma(x2, a22);
            a32 = w3.fma(x2, a32);
            FloatVector x3 = FloatVector.fromArray(F, x, xo + 3 * k + i);
            a03 = w0.fma(x3, a03);
            a13 = w1.fma(x3, a13);
            a23 = w2.fma(x3, a23);
            a33 = w3.fma(x3, a33);
        }
        // reductions written out: vectors kept in locals stay in registers (an array would box them)
        y[yo] = VectorOps.sum(a00);
        y[yo + 1] = VectorOps.sum(a10);
        y[yo + 2] = VectorOps.sum(a20);
        y[yo + 3] = VectorOps.sum(a30);
        y[yo + ldy] = VectorOps.sum(a01);
        y[yo + ldy + 1] = VectorOps.sum(a11);
        y[yo + ldy + 2] = VectorOps.sum(a21);
        y[yo + ldy + 3] = VectorOps.sum(a31);
        y[yo + 2 * ldy] = VectorOps.sum(a02);
        y[yo + 2 * ldy + 1] = VectorOps.sum(a12);
        y[yo + 2 * ldy + 2] = VectorOps.sum(a22);
        y[yo + 2 * ldy + 3] = VectorOps.sum(a32);
        y[yo + 3 * ldy] = VectorOps.sum(a03);
        y[yo + 3 * ldy + 1] = VectorOps.sum(a13);
        y[yo + 3 * ldy + 2] = VectorOps.sum(a23);
        y[yo + 3 * ldy + 3] = VectorOps.sum(a33);
        for (; i < k; i++) {
            for (int j = 0; j < 4; j++) {
                for (int r = 0; r < 4; r++) {
                    y[yo + j * ldy + r] += s[r * k + i] * x[xo + j * k + i];
                }
            }
        }
    }

    /**
     * Row {@code n} of {@code w} against {@code x[0..cols)}, widening the weights in registers. One
     * accumulator, in the same order as the buffered kernels, so a token's result does not depend on
     * how many tokens share the product (cached and uncached decoding agree bit for bit).
     */
    private static float dotDirect(CpuWeightFormat format, Matrix w, int n, float[] x) {
        int k = w.cols();
        return format.dot(w.data(), (long) n * k, x, k);
    }

    /** Four rows of {@code s} (stride k) against {@code x[xo..xo+k)}, results to {@code y[yo..yo+4)}. */
    private static void dot4(float[] s, int k, float[] x, int xo, float[] y, int yo) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int lanes = F.length();
        int i = 0;
        for (; i <= k - lanes; i += lanes) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            a0 = FloatVector.fromArray(F, s, i).fma(xv, a0);
            a1 = FloatVector.fromArray(F, s, k + i).fma(xv, a1);
            a2 = FloatVector.fromArray(F, s, 2 * k + i).fma(xv, a2);
            a3 = FloatVector.fromArray(F, s, 3 * k + i).fma(xv, a3);
        }
        float r0 = VectorOps.sum(a0);
        float r1 = VectorOps.sum(a1);
        float r2 = VectorOps.sum(a2);
        float r3 = VectorOps.sum(a3);
        for (; i < k; i++) {
            float xi = x[xo + i];
            r0 += s[i] * xi;
            r1 += s[k + i] * xi;
            r2 += s[2 * k + i] * xi;
            r3 += s[3 * k + i] * xi;
        }
        y[yo] = r0;
        y[yo + 1] = r1;
        y[yo + 2] = r2;
        y[yo + 3] = r3;
    }

    private static float[] scratch(int size) {
        float[] s = SCRATCH.get();
        if (s.length < size) {
            s = new float[size];
            SCRATCH.set(s);
        }
        return s;
    }
}
