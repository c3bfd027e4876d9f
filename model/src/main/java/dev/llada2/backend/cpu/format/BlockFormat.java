package dev.llada2.backend.cpu.format;

import dev.llada2.checkpoint.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.llada2.backend.cpu.format.BlockLanes.vectorized;

/**
 * A llama.cpp block format on the CPU. Each subclass has one vector decoder over whole blocks
 * ({@link #decodeBlocks}) with its block size as a compile-time constant, so the per-vector work is
 * compiled for that format alone even when a model mixes formats (Q4_K_M uses Q4_K, Q6_K and F32):
 * only one virtual call per run. On machines with fewer than 8 float
 * lanes every element goes through the scalar {@link #valueAt}.
 */
abstract sealed class BlockFormat implements CpuWeightFormat permits Q8_0Cpu, Q4KCpu, Q6KCpu {

    private final int block;

    BlockFormat(DType type) {
        this.block = type.blockSize();
    }

    @Override
    public final int alignment() {
        return block;
    }

    @Override
    public final void decode(MemorySegment data, long first, int count, float[] dst, int dstOff) {
        decode(data, first, count, dst, MemorySegment.ofArray(dst), 4L * dstOff);
    }

    /** Straight into {@code dst} (the matrix panel): no trip through {@code tmp}. */
    @Override
    public final void decode(MemorySegment data, long first, int count, float[] tmp, MemorySegment dst, long dstOff) {
        if (vectorized()) {
            decodeBlocks(data, first, count, dst, dstOff);
        } else {
            for (int i = 0; i < count; i++) {
                dst.set(ValueLayout.JAVA_FLOAT, dstOff + 4L * i, valueAt(data, first + i));
            }
        }
    }

    /**
     * {@link #decode} with vectors: whole blocks from element {@code first}, as fp32 in native order at
     * byte offset {@code dstOff} of {@code dst}.
     */
    abstract void decodeBlocks(MemorySegment data, long first, int count, MemorySegment dst, long dstOff);

    /** Element {@code i} of the tensor, decoded with scalar code. */
    abstract float valueAt(MemorySegment data, long i);
}
