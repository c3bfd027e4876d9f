package dev.llada2.backend.cpu;

import dev.llada2.checkpoint.DType;
import dev.llada2.weights.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Once compiled, a product allocates (almost) nothing, in every weight format: the tiles that widen
 * BF16 and Q8_0 in registers, the Q4_K/Q6_K decoders that fill the panel, the one-row paths.
 * This guards against a cliff that no exactness test sees: when a tile method grows past what C2
 * inlines, the weight loads stay calls that return boxed vectors, and the product allocates megabytes
 * and runs 2–4x slower (Q4_K and Q6_K in registers did: {@link MatMul}). The same holds for the
 * block formats' one-row paths for one or two tokens ({@code CpuWeightFormat.accumulateRow}): a vector
 * or a block's slice handed to a helper that C2 did not inline is allocated every time. Allocation, not
 * time, is measured (the calling thread's allocated bytes around one single-threaded product), after
 * repeating the product until C2 has compiled it or {@value #WARM_UP_SECONDS} s have passed. The
 * model module's build runs this class a second time with C2 forbidden to inline any method of the
 * weight formats (model/pom.xml), so that such a dependence on what C2 inlines fails every time.
 *
 * <p>Every product runs on two copies of the same weights, one in arena memory and one mapped from a
 * file, alternately from the first call, as in a JVM that computes on a model's mapped tensors and on
 * allocated ones (a benchmark beside a model, the test suite): two segment classes then meet at every
 * {@code asSlice} of the block formats, and when C2 merged them it gave up scalar-replacing the slices
 * and allocated one per block (Q8_0 did, 655 KB per product, before its row path dropped slices). So
 * that hazard is met on purpose here, not by the chance of which tests ran first.
 */
class TileAllocationTest {

    private static final int ROWS = 256;
    private static final int COLS = 2048;
    /** A boxed-vector product of {@value #ROWS} x {@value #COLS} allocates several hundred KB. */
    private static final long MAX_BYTES = 16 * 1024;
    private static final int WARM_UP_SECONDS = 60;

    @Test
    void productsDoNotBoxVectorsOrAllocateSlices(@TempDir Path dir) throws IOException {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported(), "this JVM cannot count a thread's allocations");
        threads.setThreadAllocatedMemoryEnabled(true);
        long self = Thread.currentThread().threadId();
        assertTrue(JitInlining.ensureInstalled(), "the JIT directive that inlines the weight loads was not taken");
        try (Arena arena = Arena.ofShared()) {
            for (DType dtype : new DType[] {DType.BF16, DType.Q8_0, DType.Q4_K, DType.Q6_K}) {
                Matrix allocated = matrix(arena, dtype, new SplittableRandom(dtype.ordinal()));
                Matrix[] copies = {allocated, mapped(arena, allocated, dir.resolve(dtype + ".bin"))};
                // 1 and 2 tokens: the block formats' one-row paths; 4 and 6: the tiles; 32: several groups
                for (int tokens : new int[] {1, 2, 4, 6, 32}) {
                    float[] x = new float[tokens * COLS];
                    java.util.Arrays.fill(x, 0.5f);
                    float[] y = new float[tokens * ROWS];
                    long deadline = System.nanoTime() + WARM_UP_SECONDS * 1_000_000_000L;
                    long[] bytes = new long[copies.length];
                    int calls = 0;
                    boolean allocates;
                    do {
                        allocates = false;
                        for (int c = 0; c < copies.length; c++) {
                            long before = threads.getThreadAllocatedBytes(self);
                            MatMul.rows(copies[c], 0, ROWS, x, tokens, y, ROWS, 0);
                            bytes[c] = threads.getThreadAllocatedBytes(self) - before;
                            allocates |= bytes[c] > MAX_BYTES;
                        }
                        calls++;
                    } while (allocates && System.nanoTime() < deadline);
                    assertTrue(!allocates, dtype + " x " + tokens + " tokens: after " + calls + " products of each"
                            + " copy one still allocates " + bytes[0] + " bytes (arena) and " + bytes[1]
                            + " bytes (mapped file): C2 left weight loads as calls returning boxed vectors, or a"
                            + " block's slice escaped (see MatMul, Q4KCpu)");
                }
            }
        }
    }

    /** The same weights mapped from a file, as the engine's checkpoint tensors are. */
    private static Matrix mapped(Arena arena, Matrix w, Path file) throws IOException {
        Files.write(file, w.data().toArray(ValueLayout.JAVA_BYTE));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, w.data().byteSize(), arena);
            return new Matrix(w.name(), w.rows(), w.cols(), w.dtype(), seg);
        }
    }

    private static Matrix matrix(Arena arena, DType dtype, SplittableRandom r) {
        return dtype == DType.BF16 ? MatMulTest.random(arena, dtype, ROWS, COLS, r)
                : MatMulTest.quantized(arena, dtype, ROWS, COLS, r);
    }
}
