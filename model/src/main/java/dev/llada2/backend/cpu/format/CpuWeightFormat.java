package dev.llada2.backend.cpu.format;

import dev.llada2.checkpoint.DType;
import dev.llada2.errors.LladaException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * How the CPU engine reads one weight storage format: it widens a run of elements to fp32. The
 * matrix code ({@code MatMul}) is written once over this strategy: it widens a few rows into a
 * small buffer and reuses them for every token of the block, so each weight byte is read once per
 * forward whatever the format.
 *
 * <p><b>Block formats.</b> The llama.cpp formats (Q8_0: blocks of 32 elements; Q4_K, Q6_K: blocks
 * of 256) store a scale per block, so a run can only start and end on a block boundary:
 * {@code first} and {@code count} of {@link #decode} must be multiples of {@link #alignment()}
 * (a whole row always is: GGUF rows are whole blocks, which the reader checks).
 */
public interface CpuWeightFormat {

    /**
     * Widens {@code count} elements starting at element {@code first} of {@code data} into
     * {@code dst[dstOff..]}; {@code first} and {@code count} are multiples of {@link #alignment()}.
     */
    void decode(MemorySegment data, long first, int count, float[] dst, int dstOff);

    /**
     * {@link #decode} into native memory at byte offset {@code dstOff} (fp32, native byte order), as
     * the matrix tiles read it; formats without a direct path widen into {@code tmp} (at least
     * {@code count} floats) and copy.
     */
    default void decode(MemorySegment data, long first, int count, float[] tmp, MemorySegment dst, long dstOff) {
        decode(data, first, count, tmp, 0);
        MemorySegment.copy(tmp, 0, dst, ValueLayout.JAVA_FLOAT, dstOff, count);
    }

    /** Whether the tiles read this format's weights in place through {@link #bf16Lanes} (BF16 only). */
    default boolean widensInRegisters() {
        return false;
    }

    /** BF16 elements {@code [first, first + lanes)} of {@code data} widened exactly to fp32. */
    static jdk.incubator.vector.FloatVector bf16Lanes(MemorySegment data, long first) {
        return Bf16Cpu.load(data, first);
    }

    /** Elements per storage block: runs passed to {@link #decode} start and end on multiples of it. */
    default int alignment() {
        return 1;
    }

    static CpuWeightFormat of(DType dtype) {
        return switch (dtype) {
            case BF16 -> Bf16Cpu.INSTANCE;
            case F16 -> F16Cpu.INSTANCE;
            case F32 -> F32Cpu.INSTANCE;
            case Q8_0 -> Q8_0Cpu.INSTANCE;
            case Q4_K -> Q4KCpu.INSTANCE;
            case Q6_K -> Q6KCpu.INSTANCE;
            default -> throw LladaException.input("the CPU engine cannot compute with " + dtype + " weights");
        };
    }
}
