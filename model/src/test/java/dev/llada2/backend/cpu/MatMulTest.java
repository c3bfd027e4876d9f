package dev.llada2.backend.cpu;

import dev.llada2.backend.cpu.format.CpuWeightFormat;
import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.TensorReader;
import dev.llada2.checkpoint.quant.BlockQuantizer;
import dev.llada2.weights.Matrix;
import dev.llada2.weights.RandomCheckpoint;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link MatMul} against a plain double-precision loop, for every weight format and for shapes that
 * exercise each path: row tiles and leftover rows, token tiles and leftover tokens, vector tails.
 */
class MatMulTest {

    @Test
    void matchesANaiveProductForAllFormatsAndAwkwardShapes() {
        int[][] shapes = {{7, 37, 5}, {16, 64, 9}, {33, 128, 32}, {4, 16, 4}, {1, 3, 1}, {9, 100, 1}, {5, 64, 1},
            {7, 96, 1}, {3, 48, 1}};
        try (Arena arena = Arena.ofShared(); CpuDevice dev = new CpuDevice("test", 2)) {
            for (DType dtype : new DType[] {DType.BF16, DType.F16, DType.F32}) {
                for (int[] shape : shapes) {
                    check(arena, dev, dtype, shape[0], shape[1], shape[2]);
                }
            }
        }
    }

    @Test
    void aTokensResultDoesNotDependOnHowManyTokensShareTheProduct() {
        try (Arena arena = Arena.ofShared(); CpuDevice dev = new CpuDevice("test", 2)) {
            int rows = 13;
            int cols = 96;
            MemorySegment seg = arena.allocate((long) rows * cols * 2, 8);
            SplittableRandom r = new SplittableRandom(9);
            for (long i = 0; i < (long) rows * cols; i++) {
                seg.set(TensorReader.SHORT_LE, 2 * i, RandomCheckpoint.toBf16((float) r.nextDouble(-1, 1)));
            }
            Matrix w = new Matrix("w", rows, cols, DType.BF16, seg);
            float[] x = activations(r, 7 * cols);
            float[] all = new float[7 * rows];
            MatMul.multiply(dev, w, x, 7, all);
            for (int t = 0; t < 7; t++) {
                float[] one = new float[rows];
                MatMul.multiply(dev, w, java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, one);
                for (int n = 0; n < rows; n++) {
                    assertEquals(Float.floatToIntBits(all[t * rows + n]), Float.floatToIntBits(one[n]),
                            "token " + t + " row " + n + " alone vs in a block of 7");
                }
            }
        }
    }

    /**
     * Every output equals, bit for bit, the one-accumulator dot product of the widened row
     * ({@link VectorOps#dot}): over several column panels with a vector tail, token counts around the
     * register tiles and past a token block, and row counts that leave rows over.
     */
    @Test
    void tiledResultsAreBitIdenticalToOneAccumulatorPerOutput() {
        int[][] shapes = {{13, 1045, 50}, {8, 512, 6}, {21, 1536, 32}, {5, 40, 7}, {12, 2048, 16}, {9, 4200, 9}};
        try (Arena arena = Arena.ofShared(); CpuDevice dev = new CpuDevice("test", 2)) {
            for (DType dtype : new DType[] {DType.BF16, DType.F32}) {
                for (int[] shape : shapes) {
                    int rows = shape[0];
                    int cols = shape[1];
                    int tokens = shape[2];
                    SplittableRandom r = new SplittableRandom(rows * 7L + cols + tokens);
                    Matrix w = random(arena, dtype, rows, cols, r);
                    float[] x = activations(r, tokens * cols);
                    float[] y = new float[tokens * rows];
                    MatMul.multiply(dev, w, x, tokens, y);
                    float[] row = new float[cols];
                    for (int n = 0; n < rows; n++) {
                        for (int k = 0; k < cols; k++) {
                            row[k] = TensorReader.floatAt(dtype, w.data(), (long) n * cols + k);
                        }
                        for (int t = 0; t < tokens; t++) {
                            float want = VectorOps.dot(row, 0, x, t * cols, cols);
                            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(y[t * rows + n]),
                                    dtype + " " + rows + "x" + cols + " x" + tokens + " [t" + t + ",n" + n + "]");
                        }
                    }
                }
            }
        }
    }

    /**
     * The block formats too, whether the tiles read a decoded panel or decode in registers: every
     * output equals, bit for bit, the one-accumulator dot product of the row as the format's decoder
     * widens it (which {@code BlockFormatsTest} holds to the scalar definition), over several
     * column passes, token counts around the tiles and past a token block, and leftover rows.
     */
    @Test
    void blockFormatResultsAreBitIdenticalToTheDecodedRowsDotProduct() {
        int[][] shapes = {{13, 4608, 50}, {8, 512, 6}, {21, 1536, 32}, {5, 256, 7}, {9, 2304, 1}, {6, 2304, 2},
            {11, 4352, 4}};
        try (Arena arena = Arena.ofShared(); CpuDevice dev = new CpuDevice("test", 2)) {
            for (DType dtype : new DType[] {DType.Q8_0, DType.Q4_K, DType.Q6_K}) {
                for (int[] shape : shapes) {
                    int rows = shape[0];
                    int cols = shape[1];
                    int tokens = shape[2];
                    SplittableRandom r = new SplittableRandom(rows * 7L + cols + tokens);
                    Matrix w = quantized(arena, dtype, rows, cols, r);
                    float[] x = activations(r, tokens * cols);
                    float[] y = new float[tokens * rows];
                    MatMul.multiply(dev, w, x, tokens, y);
                    float[] row = new float[cols];
                    for (int n = 0; n < rows; n++) {
                        CpuWeightFormat.of(dtype).decode(w.data(), (long) n * cols, cols, row, 0);
                        for (int t = 0; t < tokens; t++) {
                            float want = VectorOps.dot(row, 0, x, t * cols, cols);
                            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(y[t * rows + n]),
                                    dtype + " " + rows + "x" + cols + " x" + tokens + " [t" + t + ",n" + n + "]");
                        }
                    }
                }
            }
        }
    }

    /** {@code n} activations uniform in [-1, 1), drawn from {@code r} in order. */
    private static float[] activations(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        return x;
    }

    /** BF16, F16 or F32 weights uniform in [-1, 1), drawn from {@code r} in order. */
    static Matrix random(Arena arena, DType dtype, int rows, int cols, SplittableRandom r) {
        MemorySegment seg = arena.allocate((long) rows * cols * dtype.bytes(), 8);
        for (long i = 0; i < (long) rows * cols; i++) {
            float v = (float) r.nextDouble(-1, 1);
            switch (dtype) {
                case BF16 -> seg.set(TensorReader.SHORT_LE, 2 * i, RandomCheckpoint.toBf16(v));
                case F16 -> seg.set(TensorReader.SHORT_LE, 2 * i, Float.floatToFloat16(v));
                default -> seg.set(TensorReader.FLOAT_LE, 4 * i, v);
            }
        }
        return new Matrix("w", rows, cols, dtype, seg);
    }

    private static void check(Arena arena, CpuDevice dev, DType dtype, int rows, int cols, int tokens) {
        SplittableRandom r = new SplittableRandom(rows * 31L + cols);
        Matrix w = random(arena, dtype, rows, cols, r);
        MemorySegment seg = w.data();
        float[] x = activations(r, tokens * cols);
        float[] y = new float[tokens * rows];
        MatMul.multiply(dev, w, x, tokens, y);
        for (int t = 0; t < tokens; t++) {
            for (int n = 0; n < rows; n++) {
                double want = 0;
                for (int k = 0; k < cols; k++) {
                    want += TensorReader.floatAt(dtype, seg, (long) n * cols + k) * (double) x[t * cols + k];
                }
                assertEquals(want, y[t * rows + n], 1e-4, dtype + " " + rows + "x" + cols + " x" + tokens + " [t" + t + ",n" + n + "]");
            }
        }
    }

    /**
     * Block-format weights ({@code dtype} Q8_0, Q4_K or Q6_K): rows of values uniform in
     * [-0.05, 0.05), drawn from {@code r} row by row, quantized by {@link BlockQuantizer}.
     */
    static Matrix quantized(Arena arena, DType dtype, int rows, int cols, SplittableRandom r) {
        long rowBytes = (long) cols / dtype.blockSize() * dtype.blockBytes();
        MemorySegment seg = arena.allocate(rowBytes * rows, 8);
        float[] row = new float[cols];
        for (int n = 0; n < rows; n++) {
            for (int k = 0; k < cols; k++) {
                row[k] = (float) (0.05 * r.nextDouble(-1, 1));
            }
            BlockQuantizer.of(dtype).quantize(row, 0, cols, seg, n * rowBytes);
        }
        return new Matrix("w", rows, cols, dtype, seg);
    }
}
