package dev.llada2.tornado.selftest;

import dev.llada2.backend.KernelCheck;
import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.TensorReader;
import dev.llada2.checkpoint.quant.BlockQuantizer;
import dev.llada2.tornado.graphs.GraphBuilder;
import dev.llada2.tornado.plan.CompilerFlags;
import dev.llada2.weights.Matrix;
import dev.llada2.weights.RandomCheckpoint;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * What every kernel check shares: seeded random inputs in checkpoint layout, running a one-off
 * graph on the device under test, and the comparison that becomes a {@link KernelCheck} row.
 */
final class SelfTestSupport {

    private final TornadoDevice device;
    private final SplittableRandom random;
    private int graphs;

    SelfTestSupport(TornadoDevice device, long seed) {
        this.device = device;
        this.random = new SplittableRandom(seed);
    }

    /** A new graph with a unique name and its own grid scheduler. */
    Check graph(String kernel) {
        GridScheduler grids = new GridScheduler();
        return new Check(new GraphBuilder("selftest" + (graphs++), grids), grids, kernel);
    }

    /** A graph under test: build it with {@link #builder()}, then {@link #run()} it once on the device. */
    final class Check {
        private final GraphBuilder builder;
        private final GridScheduler grids;
        private final String kernel;

        Check(GraphBuilder builder, GridScheduler grids, String kernel) {
            this.builder = builder;
            this.grids = grids;
            this.kernel = kernel;
        }

        GraphBuilder builder() {
            return builder;
        }

        void run() {
            try (TornadoExecutionPlan plan = new TornadoExecutionPlan(builder.build().graph())) {
                CompilerFlags.apply(plan);
                plan.withDevice(device).withGridScheduler(grids).execute();
            } catch (Exception e) {
                throw new IllegalStateException(kernel + " failed on " + device.getDeviceName() + ": " + e, e);
            }
        }
    }

    float[] floats(int n, double std) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (gaussian() * std);
        }
        return out;
    }

    float[] positiveFloats(int n, double mean, double std) {
        float[] out = floats(n, std);
        for (int i = 0; i < n; i++) {
            out[i] += (float) mean;
        }
        return out;
    }

    int nextInt(int bound) {
        return random.nextInt(bound);
    }

    /**
     * A random {@code rows x cols} weight in checkpoint layout (little-endian {@code dtype}). A llama.cpp
     * block format is quantized from Gaussian rows whose scale falls by 16x per row, in cycles of four,
     * so the fp16 block scales span normal and subnormal values.
     */
    Matrix matrix(String name, int rows, int cols, DType dtype, double std) {
        if (dtype.isBlockQuantized()) {
            float[] values = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                double rowStd = std * Math.scalb(1.0, -4 * (r % 4));
                for (int k = 0; k < cols; k++) {
                    values[r * cols + k] = (float) (gaussian() * rowStd);
                }
            }
            MemorySegment blocks = Arena.ofAuto().allocate(dtype.bytesFor((long) rows * cols));
            BlockQuantizer.of(dtype).quantize(values, 0, values.length, blocks, 0);
            return new Matrix(name, rows, cols, dtype, blocks);
        }
        MemorySegment data = Arena.ofAuto().allocate((long) rows * cols * dtype.bytes());
        for (long i = 0; i < (long) rows * cols; i++) {
            float v = (float) (gaussian() * std);
            switch (dtype) {
                case BF16 -> data.set(TensorReader.SHORT_LE, 2 * i, RandomCheckpoint.toBf16(v));
                case F16 -> data.set(TensorReader.SHORT_LE, 2 * i, Float.floatToFloat16(v));
                case F32 -> data.set(TensorReader.FLOAT_LE, 4 * i, v);
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        }
        return new Matrix(name, rows, cols, dtype, data);
    }

    private double gaussian() {
        return random.nextGaussian();
    }

    static FloatArray device(float[] values, int capacity) {
        FloatArray a = new FloatArray(Math.max(1, capacity));
        for (int i = 0; i < values.length; i++) {
            a.set(i, values[i]);
        }
        return a;
    }

    static IntArray deviceInts(int[] values, int capacity) {
        IntArray a = new IntArray(Math.max(1, capacity));
        for (int i = 0; i < values.length; i++) {
            a.set(i, values[i]);
        }
        return a;
    }

    static float maxAbsDiff(float[] want, FloatArray got, int n) {
        float max = 0;
        for (int i = 0; i < n; i++) {
            float d = Math.abs(want[i] - got.get(i));
            max = Float.isNaN(d) ? Float.POSITIVE_INFINITY : Math.max(max, d);
        }
        return max;
    }

    static float maxAbs(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    /** A row for a float output: passes when {@code max|d| <= tolerance}. */
    static KernelCheck row(String kernel, float maxError, double tolerance, String detail) {
        return new KernelCheck(kernel, maxError, tolerance, maxError <= tolerance, detail);
    }

    /** A row for a discrete output: passes only when every id matches (then error 0). */
    static KernelCheck exact(String kernel, int mismatches, String detail) {
        return new KernelCheck(kernel, mismatches, 0, mismatches == 0, detail
                + (mismatches == 0 ? "" : ", " + mismatches + " ids differ"));
    }

    /** Runs one check; a crash becomes a failed row that says why. */
    static KernelCheck guarded(String kernel, Supplier<KernelCheck> check) {
        try {
            return check.get();
        } catch (RuntimeException | Error e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return new KernelCheck(kernel, Double.NaN, 0, false, "failed: " + root);
        }
    }
}
