package dev.llada2.perf.ops;

import dev.llada2.backend.cpu.CpuDevice;
import dev.llada2.backend.cpu.MatMul;
import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.quant.BlockQuantizer;
import dev.llada2.weights.Matrix;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
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
 * The CPU engine's block product ({@link MatMul#multiply}: fp32 compute, every core) at LLaDA2.0-mini's
 * shapes, for each weight format the engine decodes: the dense MLP's 32-token products 2048 -> 5120
 * (gate, up) and 5120 -> 2048 (down), the LM head 2048 -> 157,184 for 16 rows (the average number of
 * masked rows a greedy forward asks for in a 32-token block) and 32 rows, and a routed expert's
 * products (gate/up 2048 -> 512, down 512 -> 2048) for 1, 2 and 8 tokens. A 32-token block routes
 * 256 slots: spread evenly over the 256 experts, most selected experts see one or two tokens; in
 * the random bench model the block's mask tokens route alike and about 38 experts per layer see
 * about 7 tokens each. With so few tokens per weight these products show a format's decoding cost.
 * FLOPs per call: {@link #flops}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class BlockProductBench {

    /** in -> out x tokens (a "head" or "expert" prefix only names the product). */
    @Param({"2048x5120x32", "5120x2048x32", "head2048x157184x16", "head2048x157184x32", "expert2048x512x1",
            "expert2048x512x2", "expert2048x512x8", "expert512x2048x1"})
    public String shape;

    /** The weight format: bf16, or a llama.cpp block format (q8_0, q4_k, q6_k). */
    @Param({"bf16", "q8_0", "q4_k", "q6_k"})
    public String weights;

    /** Distinct rows of weights; the matrix repeats them (every row still has its own bytes in memory). */
    private static final int TEMPLATE_ROWS = 16;

    private Arena arena;
    private CpuDevice device;
    private Matrix w;
    private float[] x;
    private float[] y;
    private int tokens;

    /** Multiply-adds x 2 of one call for {@code shape}. */
    public static double flops(String shape) {
        int[] d = dims(shape);
        return 2.0 * d[0] * d[1] * d[2];
    }

    private static int[] dims(String shape) {
        String[] p = shape.replaceFirst("^[a-z]+", "").split("x");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }

    @Setup(Level.Trial)
    public void setup() {
        int[] d = dims(shape);
        int in = d[0];
        int out = d[1];
        tokens = d[2];
        arena = Arena.ofShared();
        DType type = DType.valueOf(weights.toUpperCase(java.util.Locale.ROOT));
        MemorySegment data = weights(arena, type, out, in);
        w = new Matrix("w", out, in, type, data);
        x = activations(tokens * in);
        y = new float[tokens * out];
        device = CpuDevice.allCores("bench");
    }

    /**
     * {@code rows} rows of {@code in} weights in {@code type} (BF16 or a block format), off the heap:
     * Gaussian values of scale 0.02 (a trained model's order of magnitude, far from denormals) in
     * {@value #TEMPLATE_ROWS} distinct rows that repeat, each row with its own bytes in memory.
     */
    static MemorySegment weights(Arena arena, DType type, int rows, int in) {
        long rowBytes = type == DType.BF16 ? 2L * in : (long) in / type.blockSize() * type.blockBytes();
        MemorySegment template = arena.allocate(rowBytes * TEMPLATE_ROWS, 64);
        SplittableRandom g = new SplittableRandom(7);
        float[] row = new float[in];
        for (int t = 0; t < TEMPLATE_ROWS; t++) {
            for (int i = 0; i < in; i++) {
                row[i] = (float) (0.02 * gaussian(g));
            }
            if (type == DType.BF16) {
                for (int i = 0; i < in; i++) {
                    template.set(ValueLayout.JAVA_SHORT_UNALIGNED, t * rowBytes + 2L * i,
                            (short) (Float.floatToRawIntBits(row[i]) >>> 16));
                }
            } else {
                BlockQuantizer.of(type).quantize(row, 0, in, template, t * rowBytes);
            }
        }
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        for (int n = 0; n < rows; n++) {
            MemorySegment.copy(template, (n % TEMPLATE_ROWS) * rowBytes, data, n * rowBytes, rowBytes);
        }
        return data;
    }

    /** {@code n} activations uniform in [-1, 1), the same draws for every benchmark and format. */
    static float[] activations(int n) {
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        return x;
    }

    private static double gaussian(SplittableRandom g) {
        return Math.sqrt(-2 * Math.log(1 - g.nextDouble())) * Math.cos(2 * Math.PI * g.nextDouble());
    }

    @Benchmark
    public float product() {
        MatMul.multiply(device, w, x, tokens, y);
        return y[y.length - 1];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        device.close();
        arena.close();
    }
}
