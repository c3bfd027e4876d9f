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

    /** {@link #tileLanes()}: the tiles read fp32 that {@link #decode} wrote into a panel. */
    int PANEL = 0;
    /** {@link #tileLanes()}: BF16 widened in registers from the tensor by {@link #bf16Lanes}. */
    int BF16_LANES = 1;
    /** {@link #tileLanes()}: Q8_0 blocks decoded in registers from the tensor by {@link #q8_0Lanes}. */
    int Q8_0_LANES = 2;

    /**
     * How the matrix tiles read this format's weights: {@link #PANEL}, or a kind whose weights the tiles
     * widen in registers ({@link #bf16Lanes}, {@link #q8_0Lanes}) straight from the tensor (so the
     * weights' loads overlap the arithmetic instead of going through a decoded panel). An int, not an
     * object, so that the tiles' choice is a compare the compiler hoists out of their loops.
     */
    default int tileLanes() {
        return PANEL;
    }

    /**
     * BF16 elements {@code [first, first + lanes)} of {@code data} widened to fp32 exactly as
     * {@link #decode} widens them: for the matrix tiles of kind {@link #BF16_LANES}.
     */
    static jdk.incubator.vector.FloatVector bf16Lanes(MemorySegment data, long first) {
        return Bf16Cpu.load(data, first);
    }

    /**
     * Q8_0 elements {@code [row + i, row + i + lanes)} of {@code data} widened to fp32 exactly as
     * {@link #decode} widens them, for the matrix tiles of kind {@link #Q8_0_LANES}. {@code row} is a
     * multiple of the block (a row's start), {@code i} a multiple of the lane count; the blocks'
     * scales come from {@code scales[s..]}, where {@link #tileScales} put those of the run that starts
     * at {@code row}.
     *
     * <p>One method per kind, not one that takes the kind: C2 may compile such a load on its own
     * (while the tiles still run interpreted it is called millions of times) before it compiles the
     * tiles, and then inlines it into them only if that compiled code is small; one method serving
     * both kinds compiled both kinds' code and, once in a CI run, was too large to inline, so every
     * weight vector was boxed ({@code TileAllocationTest}).
     */
    static jdk.incubator.vector.FloatVector q8_0Lanes(MemorySegment data, long row, int i, float[] scales, int s) {
        return Q8_0Cpu.load(data, row, i, scales, s);
    }

    /**
     * {@link #q8_0Lanes} of vector {@code h} (0 or 1) of step {@code b} of two vectors, for the tiles
     * that loop over such steps: at 16 lanes a step is one block, addressed linearly in {@code b}.
     */
    static jdk.incubator.vector.FloatVector q8_0StepLanes(MemorySegment data, long row, int b, int h, float[] scales,
                                                          int s) {
        return Q8_0Cpu.load(data, row, b, h, scales, s);
    }

    /**
     * For a format read in registers ({@link #tileLanes()} not {@link #PANEL}): the fp32 scales of
     * the blocks of the run of {@code count} elements from element {@code first}, one per block into
     * {@code dst[dstOff..]}, so the tiles convert each block's scale once per run rather than once per
     * vector and token group. Nothing for a format without block scales.
     */
    default void tileScales(MemorySegment data, long first, int count, float[] dst, int dstOff) {
    }

    /**
     * Up to how many tokens {@link #accumulateRow} serves this format's products (0: never): formats
     * that the tiles otherwise read through a decoded panel ({@link #PANEL}) and whose decoder can feed
     * a row's accumulators directly, as far as that measured faster than the panel (perf/RESULTS.md).
     */
    default int rowTokens() {
        return 0;
    }

    /**
     * For a product of at most {@link #rowTokens()} tokens ({@code tokens}), in place of
     * {@link #decode} into a panel and a tile pass over it: the fp32 lanes of one row's accumulator
     * per token (token {@code j}'s at {@code acc[accOff + j * as..]}, its activations at
     * {@code x[xo + j * xs..]}), each of which runs over the row's columns in order, are advanced over
     * the {@code count} elements from element {@code first}. Each vector of weights is widened once,
     * exactly as {@link #decode} widens it, and enters every token's accumulator in one fused
     * multiply-add, vector by vector in column order: bit for bit what a tile does with the row's
     * panel.
     */
    default void accumulateRow(MemorySegment data, long first, int count, float[] x, int xo, int xs, int tokens,
                               float[] acc, int accOff, int as) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not accumulate rows");
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
