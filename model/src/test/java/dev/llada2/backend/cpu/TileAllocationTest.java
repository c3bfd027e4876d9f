package dev.llada2.backend.cpu;

import dev.llada2.backend.cpu.format.CpuWeightFormat;
import dev.llada2.checkpoint.DType;
import dev.llada2.weights.Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Once compiled, a product whose tiles widen the weights in registers allocates (almost) nothing.
 * This guards against a cliff that no exactness test sees: when a tile method grows past what C2
 * inlines, the weight loads stay calls that return boxed vectors, and the product allocates megabytes
 * and runs 2–4x slower (Q4_K and Q6_K in registers did: {@link MatMul}). The same holds for the
 * block formats' one-row paths for one or two tokens ({@code CpuWeightFormat.accumulateRow}): a vector
 * or a block's slice handed to a helper that C2 did not inline is allocated every time. Allocation, not
 * time, is measured (the calling thread's allocated bytes around one single-threaded product), after
 * repeating the product until C2 has compiled it or {@value #WARM_UP_SECONDS} s have passed. The
 * model module's build runs this class a second time with C2 forbidden to inline any method of the
 * weight formats (model/pom.xml), so that such a dependence on what C2 inlines fails every time.
 */
class TileAllocationTest {

    private static final int ROWS = 256;
    private static final int COLS = 2048;
    /** A boxed-vector product of {@value #ROWS} x {@value #COLS} allocates several hundred KB. */
    private static final long MAX_BYTES = 16 * 1024;
    private static final int WARM_UP_SECONDS = 60;

    @Test
    void productsReadInRegistersDoNotBoxVectors() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported(), "this JVM cannot count a thread's allocations");
        threads.setThreadAllocatedMemoryEnabled(true);
        long self = Thread.currentThread().threadId();
        assertTrue(JitInlining.ensureInstalled(), "the JIT directive that inlines the weight loads was not taken");
        try (Arena arena = Arena.ofShared()) {
            int covered = 0;
            for (DType dtype : new DType[] {DType.BF16, DType.Q8_0, DType.Q4_K, DType.Q6_K}) {
                if (CpuWeightFormat.of(dtype).tileLanes() == CpuWeightFormat.PANEL) {
                    continue;   // decoded into the panel: no widening in the tiles
                }
                covered++;
                Matrix w = matrix(arena, dtype, new SplittableRandom(dtype.ordinal()));
                for (int tokens : new int[] {1, 2, 4, 6, 32}) {
                    float[] x = new float[tokens * COLS];
                    java.util.Arrays.fill(x, 0.5f);
                    float[] y = new float[tokens * ROWS];
                    long deadline = System.nanoTime() + WARM_UP_SECONDS * 1_000_000_000L;
                    long bytes;
                    int calls = 0;
                    do {
                        long before = threads.getThreadAllocatedBytes(self);
                        MatMul.rows(w, 0, ROWS, x, tokens, y, ROWS, 0);
                        bytes = threads.getThreadAllocatedBytes(self) - before;
                        calls++;
                    } while (bytes > MAX_BYTES && System.nanoTime() < deadline);
                    assertTrue(bytes <= MAX_BYTES, dtype + " x " + tokens + " tokens: after " + calls
                            + " products one still allocates " + bytes + " bytes: C2 left weight loads as calls"
                            + " returning boxed vectors, or a block's slice escaped (see MatMul, Q4KCpu)");
                }
            }
            assertTrue(covered >= 1, "BF16 is always read in registers");
        }
    }

    private static Matrix matrix(Arena arena, DType dtype, SplittableRandom r) {
        return dtype == DType.BF16 ? MatMulTest.random(arena, dtype, ROWS, COLS, r)
                : MatMulTest.quantized(arena, dtype, ROWS, COLS, r);
    }
}
