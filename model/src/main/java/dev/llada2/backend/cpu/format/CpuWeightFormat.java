package dev.llada2.backend.cpu.format;

import dev.llada2.checkpoint.DType;
import dev.llada2.errors.LladaException;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

/**
 * How the CPU engine reads one weight storage format: it widens a run of elements to fp32. The
 * matrix code ({@code MatMul}) is written once over this strategy: it widens a few rows into a
 * small buffer and reuses them for every token of the block, so each weight byte is read once per
 * forward whatever the format.
 */
public interface CpuWeightFormat {

    /** Widens {@code count} elements starting at element {@code first} of {@code data} into {@code dst[dstOff..]}. */
    void decode(MemorySegment data, long first, int count, float[] dst, int dstOff);

    /**
     * Elements {@code [first, first + lanes)} widened into one vector of the preferred species, for
     * products that read each weight once (a single token): no trip through a buffer.
     */
    FloatVector load(MemorySegment data, long first);

    static CpuWeightFormat of(DType dtype) {
        return switch (dtype) {
            case BF16 -> Bf16Cpu.INSTANCE;
            case F16 -> F16Cpu.INSTANCE;
            case F32 -> F32Cpu.INSTANCE;
            default -> throw LladaException.input("the CPU engine cannot compute with " + dtype + " weights");
        };
    }
}
