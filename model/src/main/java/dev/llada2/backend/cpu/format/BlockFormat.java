package dev.llada2.backend.cpu.format;

import dev.llada2.checkpoint.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A llama.cpp block format on the CPU. Each subclass has one vector decoder over whole blocks
 * ({@link #decode} into native memory) with its block size as a compile-time constant, so the
 * per-vector work is compiled for that format alone even when a model mixes formats (Q4_K_M uses
 * Q4_K, Q6_K and F32): only one virtual call per run. On machines with fewer than 8 float
 * lanes every element goes through the scalar {@link #valueAt}.
 */
abstract sealed class BlockFormat implements CpuWeightFormat permits Q8_0Cpu, Q4KCpu, Q6KCpu {

    /** Elements staged per step of the {@code float[]} decode: whole blocks of every format (32, 256). */
    private static final int STAGE_ELEMENTS = 4096;
    private static final ThreadLocal<MemorySegment> STAGE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(4L * STAGE_ELEMENTS, 64));

    private final int block;

    BlockFormat(DType type) {
        this.block = type.blockSize();
    }

    @Override
    public final int alignment() {
        return block;
    }

    /**
     * Through a per-thread native buffer, never a heap segment: the vector stores' type profiles are
     * shared by every caller in the JVM, and once one store went to a heap segment (the embedding
     * row, decoded into a {@code float[]}), C2 compiled every decoder's stores as accesses that may be
     * on or off the heap, fenced, which made the Q8_0 head product twice as slow in the engine.
     */
    @Override
    public final void decode(MemorySegment data, long first, int count, float[] dst, int dstOff) {
        MemorySegment stage = STAGE.get();
        for (int i = 0; i < count; i += STAGE_ELEMENTS) {
            int n = Math.min(STAGE_ELEMENTS, count - i);
            decode(data, first + i, n, null, stage, 0);
            MemorySegment.copy(stage, ValueLayout.JAVA_FLOAT, 0, dst, dstOff + i, n);
        }
    }

    /**
     * Straight into {@code dst} (the matrix panel): no trip through {@code tmp}. Each format
     * implements this itself, rather than behind one shared dispatching method, so that its decoder
     * is compiled with its own profile: a shared method saw every format of a Q4_K_M model, and C2
     * compiled the less frequent format's decoder as cold code (its per-block helpers left as calls:
     * Q4_K decoding 3.5x slower after Q8_0 had run, measured). On machines without vector lanes for
     * it ({@link BlockLanes#vectorized()} false) an implementation calls {@link #decodeScalar}.
     */
    @Override
    public abstract void decode(MemorySegment data, long first, int count, float[] tmp, MemorySegment dst, long dstOff);

    /** {@link #decode} element by element with {@link #valueAt}. */
    final void decodeScalar(MemorySegment data, long first, int count, MemorySegment dst, long dstOff) {
        for (int i = 0; i < count; i++) {
            dst.set(ValueLayout.JAVA_FLOAT, dstOff + 4L * i, valueAt(data, first + i));
        }
    }

    /** Element {@code i} of the tensor, decoded with scalar code. */
    abstract float valueAt(MemorySegment data, long i);
}
