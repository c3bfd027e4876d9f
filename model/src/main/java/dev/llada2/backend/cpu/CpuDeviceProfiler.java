package dev.llada2.backend.cpu;

import dev.llada2.backend.DeviceId;
import dev.llada2.backend.DeviceMeasurement;
import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.TensorReader;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.weights.Matrix;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

import static dev.llada2.backend.DeviceMeasurement.BLOCK_TOKENS;

/**
 * Measures a CPU device for the numbers a hardware profile can carry ({@code bandwidth_gbps},
 * {@code matmul_gflops}): what bounds a diffusion forward, which streams expert weights once per block.
 * {@link CpuBackendProvider#measure} runs it with every core and the default settings.
 *
 * <ul>
 *   <li>Bandwidth: a parallel streaming read (sum) of a large array on the device's threads, best of
 *       {@link Settings#repeats()} after one warm-up, bytes / seconds.</li>
 *   <li>Matrix throughput: {@link MatMul#multiply} of BF16 weights of the model's shapes
 *       ({@link DeviceMeasurement#blockShapes}: an expert {@code [moe_intermediate x hidden]} and
 *       {@code [hidden x hidden]}) on one block of {@value DeviceMeasurement#BLOCK_TOKENS} tokens, best of
 *       {@link Settings#repeats()} after three warm-up runs; 2 x rows x cols x tokens / seconds.</li>
 *   <li>Host-to-device transfer: not applicable to CPU devices (reported as such).</li>
 * </ul>
 */
public final class CpuDeviceProfiler {

    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;

    /** Keeps results alive so the JIT cannot drop the timed work. */
    private static volatile long sink;

    /**
     * @param bandwidthBytes size of the array streamed; must exceed the last-level cache by far
     * @param repeats        timed runs per figure (the best counts)
     */
    public record Settings(long bandwidthBytes, int repeats) {
        public Settings {
            if (bandwidthBytes < 1 << 20 || bandwidthBytes > (long) Integer.MAX_VALUE * 8 || repeats < 1) {
                throw new IllegalArgumentException("bandwidth array must be 1 MiB..16 GiB and repeats >= 1, got "
                        + bandwidthBytes + " bytes, " + repeats + " repeats");
            }
        }

        /** 512 MiB, best of 5. */
        public static Settings defaults() {
            return new Settings(512L << 20, 5);
        }
    }

    private CpuDeviceProfiler() {
    }

    /** Measures the host CPU ({@link DeviceId#CPU}) on a {@link CpuDevice} of {@code threads} worker threads. */
    public static DeviceMeasurement measure(int threads, LLaDA2Config shapes, Settings settings) {
        try (CpuDevice device = new CpuDevice("measure", threads)) {
            double bandwidth = bandwidth(device, settings);
            List<DeviceMeasurement.MatMulRate> rates = DeviceMeasurement.blockShapes(shapes).stream()
                    .map(s -> matmul(device, s, settings)).toList();
            return new DeviceMeasurement(DeviceId.CPU, threads, bandwidth, rates, OptionalDouble.empty(),
                    OptionalDouble.empty());
        }
    }

    /** GB/s of a parallel sum over a large array: each thread streams its contiguous chunks. */
    private static double bandwidth(CpuDevice device, Settings settings) {
        long[] data = new long[(int) (settings.bandwidthBytes() / Long.BYTES)];
        for (int i = 0; i < data.length; i++) {
            data[i] = i; // touch every page before timing
        }
        int chunks = device.threads() * 4;
        long[] sums = new long[chunks];
        int per = (data.length + chunks - 1) / chunks;
        long best = Long.MAX_VALUE;
        for (int r = 0; r <= settings.repeats(); r++) {
            long t0 = System.nanoTime();
            device.parallelFor(chunks, c -> sums[c] = sum(data, c * per, Math.min(data.length, (c + 1) * per)));
            long t = System.nanoTime() - t0;
            if (r > 0) {
                best = Math.min(best, t);
            }
            sink += sums[0];
        }
        return (double) data.length * Long.BYTES / best;
    }

    private static long sum(long[] a, int from, int to) {
        LongVector acc = LongVector.zero(L);
        int i = from;
        for (; i <= to - L.length(); i += L.length()) {
            acc = acc.add(LongVector.fromArray(L, a, i));
        }
        long s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            s += a[i];
        }
        return s;
    }

    /** GFLOP/s of one block through a random BF16 weight of the given shape. */
    private static DeviceMeasurement.MatMulRate matmul(CpuDevice device, DeviceMeasurement.MatMulShape shape,
                                                       Settings settings) {
        int rows = shape.rows();
        int cols = shape.cols();
        SplittableRandom random = new SplittableRandom(42);
        // shared: the device's worker threads read the weights
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate((long) rows * cols * DType.BF16.bytes());
            for (long i = 0; i < (long) rows * cols; i++) {
                float v = (float) (random.nextDouble() * 2 - 1);
                data.setAtIndex(TensorReader.SHORT_LE, i, (short) (Float.floatToRawIntBits(v) >>> 16));
            }
            Matrix w = new Matrix("measure." + rows + "x" + cols, rows, cols, DType.BF16, data);
            float[] x = new float[BLOCK_TOKENS * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextDouble();
            }
            float[] y = new float[BLOCK_TOKENS * rows];
            long best = Long.MAX_VALUE;
            // the first runs compile the kernel; only the best of the timed ones counts
            for (int r = 0; r < settings.repeats() + 3; r++) {
                long t0 = System.nanoTime();
                MatMul.multiply(device, w, x, BLOCK_TOKENS, y);
                long t = System.nanoTime() - t0;
                if (r >= 3) {
                    best = Math.min(best, t);
                }
            }
            sink += Float.floatToRawIntBits(y[0]);
            return shape.rate("BF16", best);
        }
    }
}
