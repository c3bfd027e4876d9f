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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * Routed experts' products the way the engine runs them on a real model: each expert is one task
 * ({@code RoutedExperts}), its product single-threaded ({@link MatMul#rows}), every core busy with
 * its own experts, over {@value #EXPERTS} distinct experts (a gate projection each, 2048 -> 512), so
 * that the weights stream from memory as a forward's do (BF16 320 MB, more than any cache), with
 * the 1–4 tokens that most selected experts see on a 32-token block. {@link BlockProductBench}'s
 * expert shapes differ on both counts (one cache-resident matrix, its rows split across the
 * threads), which hides what a format's widening costs here. Score: wall time per expert product
 * with all cores busy; one core spends that times the core count on each.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ExpertStreamBench {

    static final int EXPERTS = 160;
    private static final int ROWS = 512;
    private static final int COLS = 2048;

    /** The weight format: bf16, or a llama.cpp block format (q8_0, q4_k, q6_k). */
    @Param({"bf16", "q8_0", "q4_k"})
    public String weights;

    /** Tokens routed to each expert. */
    @Param({"1", "2", "4"})
    public int tokens;

    /**
     * Where the weights lie: {@code mapped} from a file, as the engine's checkpoint tensors are (and
     * the per-thread panels beside them in arena memory: two segment classes in one JVM), or
     * {@code arena} memory only, as this benchmark's numbers in perf/RESULTS.md before 2026-12-07
     * 11:00 were measured.
     */
    @Param({"mapped"})
    public String memory;

    private Arena arena;
    private CpuDevice device;
    private Matrix[] experts;
    private float[] x;
    /** Each thread's outputs, sized once {@link #tokens} is set (the first use comes after the setup). */
    private final ThreadLocal<float[]> out = ThreadLocal.withInitial(() -> new float[tokens * ROWS]);

    @Setup(Level.Trial)
    public void setup() throws IOException {
        arena = Arena.ofShared();
        DType type = DType.valueOf(weights.toUpperCase(java.util.Locale.ROOT));
        MemorySegment data = BlockProductBench.weights(arena, type, EXPERTS * ROWS, COLS);
        switch (memory) {
            case "mapped" -> data = mapped(data);
            case "arena" -> { }
            default -> throw new IllegalArgumentException("memory must be mapped or arena, not '" + memory + "'");
        }
        long bytes = data.byteSize() / EXPERTS;
        experts = new Matrix[EXPERTS];
        for (int e = 0; e < EXPERTS; e++) {
            experts[e] = new Matrix("expert" + e, ROWS, COLS, type, data.asSlice(e * bytes, bytes));
        }
        x = BlockProductBench.activations(tokens * COLS);
        device = CpuDevice.allCores("bench");
    }

    /** {@code data} written to a temporary file (deleted at once: the mapping keeps it) and mapped. */
    private MemorySegment mapped(MemorySegment data) throws IOException {
        Path file = Files.createTempFile("expert-stream", ".bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = data.asByteBuffer();
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, data.byteSize(), arena);
        } finally {
            Files.delete(file);
        }
    }

    @Benchmark
    @OperationsPerInvocation(EXPERTS)
    public float products() {
        device.parallelFor(EXPERTS, e -> MatMul.rows(experts[e], 0, ROWS, x, tokens, out.get(), ROWS, 0));
        return out.get()[0];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        device.close();
        arena.close();
    }
}
