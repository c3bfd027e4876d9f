package dev.llada2.backend.cpu.format;

import dev.llada2.checkpoint.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.llada2.backend.cpu.format.BlockLanes.*;

/**
 * Q8_0 weights (llama.cpp {@code block_q8_0}: fp16 d, 32 x int8 q, 34 bytes): each element is
 * {@code q·d}, exact in fp32. A vector of int8 codes is widened and multiplied by the block's scale;
 * the matrix tiles do this in registers ({@link #load}), so no panel is decoded for Q8_0.
 */
final class Q8_0Cpu extends BlockFormat {

    static final Q8_0Cpu INSTANCE = new Q8_0Cpu();
    private static final int BLOCK = 32;
    private static final int BLOCK_SHIFT = 5;
    private static final int BLOCK_BYTES = 34;
    /** Elements per step of the matrix tiles' loop for Q8_0: two vectors ({@code Tiles.STEP}). */
    private static final int TILE_STEP = 2 * lanes();

    private Q8_0Cpu() {
        super(DType.Q8_0);
    }

    /** Read in registers by the tiles wherever a vector of lanes lies within one block. */
    @Override
    public int tileLanes() {
        return vectorized() && lanes() <= BLOCK ? Q8_0_LANES : PANEL;
    }

    @Override
    public void decode(MemorySegment data, long first, int count, float[] tmp, MemorySegment dst, long dstOff) {
        if (tileLanes() == PANEL) {
            decodeScalar(data, first, count, dst, dstOff);
            return;
        }
        for (int i = 0; i < count; i += lanes()) {
            load(data, first, i).intoMemorySegment(dst, dstOff + 4L * i, NATIVE);
        }
    }

    /**
     * Elements {@code [row + i, row + i + lanes)}, within one block, where {@code row} starts a block
     * (a row's start: rows are whole blocks): the int8 codes widened and multiplied by the block's
     * scale, exact in fp32 (an 8-bit code times an 11-bit fp16 significand needs 19 bits). The row's
     * byte offset and the column's are computed apart, so that the matrix tiles hoist the row's and
     * share the column's among their rows. Small enough for C2 to inline into the tiles.
     */
    static FloatVector load(MemorySegment data, long row, int i) {
        long at = blockAt(row, i);
        return codes(data, at, i).mul(half(data, at));
    }

    /**
     * {@link #load} with the block's scale taken from {@code scales[s + i / 32]}, which
     * {@link #tileScales} filled for the run that starts at {@code row}: the same product, without
     * the scale's fp16 load, conversion and bounds check per vector.
     */
    static FloatVector load(MemorySegment data, long row, int i, float[] scales, int s) {
        return codes(data, blockAt(row, i), i).mul(scales[s + (i >> BLOCK_SHIFT)]);
    }

    /**
     * Vector {@code h} (0 or 1) of step {@code b} of the matrix tiles' loop ({@link #TILE_STEP}
     * elements), as {@link #load} with scales gives it. When a step is one block (16 lanes), its byte
     * offset and its scale's index are linear in {@code b}, so C2 lifts their bounds checks out of the
     * tiles' loops, and the step's two vectors share them.
     */
    static FloatVector load(MemorySegment data, long row, int b, int h, float[] scales, int s) {
        if (TILE_STEP != BLOCK) {
            return load(data, row, b * TILE_STEP + h * lanes(), scales, s);
        }
        long at = (row >> BLOCK_SHIFT) * BLOCK_BYTES + (long) b * BLOCK_BYTES + h * (BLOCK / 2);
        return codes(data, at, 0).mul(scales[s + b]);
    }

    /** Byte offset of the block holding element {@code row + i}, row's and column's parts apart. */
    private static long blockAt(long row, int i) {
        return (row >> BLOCK_SHIFT) * BLOCK_BYTES + (long) ((i >> BLOCK_SHIFT) * BLOCK_BYTES);
    }

    /** The codes of elements {@code [i, i + lanes)} of the block at byte {@code at}, widened to fp32. */
    private static FloatVector codes(MemorySegment data, long at, int i) {
        return (FloatVector) ByteVector.fromMemorySegment(B, data, at + 2 + (i & (BLOCK - 1)), ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2F, F, 0);
    }

    @Override
    public void tileScales(MemorySegment data, long first, int count, float[] dst, int dstOff) {
        long at = (first >> BLOCK_SHIFT) * BLOCK_BYTES;
        for (int b = 0; b < count >> BLOCK_SHIFT; b++) {
            dst[dstOff + b] = half(data, at + (long) b * BLOCK_BYTES);
        }
    }

    /** One token: with two, this path measured no faster than the tiles (perf/RESULTS.md). */
    @Override
    public int rowTokens() {
        return tileLanes() == Q8_0_LANES ? 1 : 0;
    }

    /**
     * The codes of each block widened and multiplied by its scale (the same product as {@link #load}),
     * vector by vector into the row's accumulator: one row at a time instead of the tiles' four. Not
     * through a slice per block: with mapped and allocated segments in one JVM, C2 allocated every
     * block's slice (TileAllocationTest, 655 KB per product; {@link Q4KCpu} says why).
     */
    @Override
    public void accumulateRow(MemorySegment data, long first, int count, float[] x, int xo, int xs, int tokens,
                              float[] acc, int accOff, int as) {
        FloatVector a = FloatVector.fromArray(F, acc, accOff);
        long at0 = (first >> BLOCK_SHIFT) * BLOCK_BYTES;
        int blocks = count >> BLOCK_SHIFT;
        for (int b = 0; b < blocks; b++) {
            long at = at0 + (long) b * BLOCK_BYTES;
            int xb = xo + BLOCK * b;
            float d = half(data, at);
            for (int i = 0; i < BLOCK; i += lanes()) {
                // codes() is force-inlined here as in the tiles (JitInlining): a helper returning a vector
                // is boxed wherever C2 does not inline it (TileAllocationTest)
                a = codes(data, at, i).mul(d).fma(FloatVector.fromArray(F, x, xb + i), a);
            }
        }
        a.intoArray(acc, accOff);
    }

    @Override
    float valueAt(MemorySegment data, long i) {
        long at = i / BLOCK * BLOCK_BYTES;
        return byteAt(data, at + 2 + i % BLOCK) * half(data, at);
    }
}
