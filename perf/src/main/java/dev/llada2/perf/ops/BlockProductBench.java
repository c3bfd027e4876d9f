package dev.llada2.perf.ops;

import dev.llada2.backend.cpu.CpuDevice;
import dev.llada2.backend.cpu.MatMul;
import dev.llada2.checkpoint.DType;
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
 * The CPU engine's block product ({@link MatMul#multiply}: BF16 weights, fp32 compute, every core) at
 * LLaDA2.0-mini's shapes: the dense MLP's 32-token products 2048 -> 5120 (gate, up) and 5120 -> 2048
 * (down), and the LM head 2048 -> 157,184 for 16 rows (the average number of masked rows a greedy
 * forward asks for in a 32-token block) and 32 rows. FLOPs per call: {@link #flops}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class BlockProductBench {

    /** in -> out x tokens. */
    @Param({"2048x5120x32", "5120x2048x32", "head2048x157184x16", "head2048x157184x32"})
    public String shape;

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
        String[] p = shape.replace("head", "").split("x");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }

    @Setup(Level.Trial)
    public void setup() {
        int[] d = dims(shape);
        int in = d[0];
        int out = d[1];
        tokens = d[2];
        arena = Arena.ofShared();
        MemorySegment data = arena.allocate(2L * in * out, 64);
        // weights of magnitude about 0.01..1 (a hash of the index), far from denormals
        for (long i = 0; i < (long) in * out; i++) {
            int hash = (int) (i * 0x9E3779B1L >>> 7);
            data.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * i, (short) (0x3c00 | (hash & 0x83ff)));
        }
        w = new Matrix("w", out, in, DType.BF16, data);
        SplittableRandom r = new SplittableRandom(1);
        x = new float[tokens * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        y = new float[tokens * out];
        device = CpuDevice.allCores("bench");
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
