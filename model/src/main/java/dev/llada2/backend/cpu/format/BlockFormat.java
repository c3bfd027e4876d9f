package dev.llada2.backend.cpu.format;

import dev.llada2.checkpoint.DType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.llada2.backend.cpu.format.BlockLanes.F;
import static dev.llada2.backend.cpu.format.BlockLanes.vectorized;

/**
 * A llama.cpp block format on the CPU: runs of whole blocks are decoded block by block, a vector of
 * lanes inside one block is loaded directly, and on machines with fewer than 8 float lanes every
 * element goes through the scalar {@link #valueAt}. Subclasses give the three per-block operations.
 */
abstract sealed class BlockFormat implements CpuWeightFormat permits Q8_0Cpu, Q4KCpu, Q6KCpu {

    private final int block;
    private final int blockBytes;

    BlockFormat(DType type) {
        this.block = type.blockSize();
        this.blockBytes = type.blockBytes();
    }

    @Override
    public final int alignment() {
        return block;
    }

    @Override
    public final void decode(MemorySegment data, long first, int count, float[] dst, int dstOff) {
        if (!vectorized()) {
            for (int i = 0; i < count; i++) {
                dst[dstOff + i] = valueAt(data, first + i);
            }
            return;
        }
        long b0 = first / block;
        for (int b = 0; b < count / block; b++) {
            decodeBlock(data, (b0 + b) * blockBytes, dst, dstOff + b * block);
        }
    }

    @Override
    public final FloatVector load(MemorySegment data, long first) {
        if (!vectorized()) {
            float[] lanes = new float[F.length()];
            decode(data, first, lanes.length, lanes, 0);
            return FloatVector.fromArray(F, lanes, 0);
        }
        return loadLanes(data, first / block * blockBytes, (int) (first % block));
    }

    /** The block at byte {@code at} into {@code dst[o .. o + block)}. */
    abstract void decodeBlock(MemorySegment data, long at, float[] dst, int o);

    /** The lanes at element {@code offset} (a multiple of the lane count) of the block at byte {@code at}. */
    abstract FloatVector loadLanes(MemorySegment data, long at, int offset);

    /** Element {@code i} of the tensor, decoded with scalar code. */
    abstract float valueAt(MemorySegment data, long i);
}
