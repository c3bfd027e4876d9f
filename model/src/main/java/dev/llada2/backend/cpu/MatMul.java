package dev.llada2.backend.cpu;

import dev.llada2.backend.cpu.format.CpuWeightFormat;
import dev.llada2.weights.Matrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
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
        float[] s = scratch(TILE * k);
        int n = from;
        for (; n + TILE <= to; n += TILE) {
            format.decode(w.data(), (long) n * k, TILE * k, s, 0);
            for (int t = 0; t < tokens; t++) {
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
        float r0 = a0.reduceLanes(VectorOperators.ADD);
        float r1 = a1.reduceLanes(VectorOperators.ADD);
        float r2 = a2.reduceLanes(VectorOperators.ADD);
        float r3 = a3.reduceLanes(VectorOperators.ADD);
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
