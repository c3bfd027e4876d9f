package dev.llada2.perf.ops;

import dev.llada2.backend.cpu.format.CpuWeightFormat;
import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.quant.BlockQuantizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A weight format's decoder alone ({@link CpuWeightFormat#decode} into native memory), one thread,
 * as the matrix product uses it: 8 rows of 2048 elements per pass into a 64 KB fp32 panel. The
 * encoded rows (at most a few hundred KB) stay in the core's L2 cache, so this measures the
 * decoder's instructions, not memory bandwidth. Score: ns per 256 elements (one Q4_K or Q6_K block,
 * eight Q8_0 blocks).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class WeightDecodeBench {

    private static final int WIDTH = 2048;
    private static final int PANEL_ROWS = 8;
    /** Distinct encoded rows the passes cycle through. */
    private static final int ROWS = 64;

    /** The weight format: bf16, or a llama.cpp block format (q8_0, q4_k, q6_k). */
    @Param({"bf16", "q8_0", "q4_k", "q6_k"})
    public String weights;

    private Arena arena;
    private CpuWeightFormat format;
    private MemorySegment data;
    private MemorySegment panel;
    private float[] tmp;
    private int row;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        DType type = DType.valueOf(weights.toUpperCase(java.util.Locale.ROOT));
        format = CpuWeightFormat.of(type);
        long rowBytes = type == DType.BF16 ? 2L * WIDTH : (long) WIDTH / type.blockSize() * type.blockBytes();
        data = arena.allocate(rowBytes * ROWS, 64);
        // Gaussian weights of scale 0.02 (a trained model's order of magnitude), as BlockProductBench
        SplittableRandom g = new SplittableRandom(7);
        float[] values = new float[WIDTH];
        for (int r = 0; r < ROWS; r++) {
            for (int i = 0; i < WIDTH; i++) {
                values[i] = (float) (0.02 * Math.sqrt(-2 * Math.log(1 - g.nextDouble())) * Math.cos(2 * Math.PI * g.nextDouble()));
            }
            if (type == DType.BF16) {
                for (int i = 0; i < WIDTH; i++) {
                    data.set(ValueLayout.JAVA_SHORT_UNALIGNED, r * rowBytes + 2L * i,
                            (short) (Float.floatToRawIntBits(values[i]) >>> 16));
                }
            } else {
                BlockQuantizer.of(type).quantize(values, 0, WIDTH, data, r * rowBytes);
            }
        }
        panel = arena.allocate(4L * PANEL_ROWS * WIDTH, 64);
        tmp = new float[WIDTH];
    }

    /** One pass: the next 8 rows into the panel. */
    @Benchmark
    @OperationsPerInvocation(PANEL_ROWS * WIDTH / 256)
    public float pass() {
        for (int r = 0; r < PANEL_ROWS; r++) {
            format.decode(data, (long) row * WIDTH, WIDTH, tmp, panel, 4L * r * WIDTH);
            row = (row + 1) % ROWS;
        }
        return panel.get(ValueLayout.JAVA_FLOAT, 4L * (PANEL_ROWS * WIDTH - 1));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }
}
