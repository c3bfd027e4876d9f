package dev.llada2.backend.cpu.format;

import dev.llada2.backend.cpu.VectorOps;
import dev.llada2.checkpoint.DType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.llada2.backend.cpu.format.BlockLanes.*;

/**
 * Q8_0 weights (llama.cpp {@code block_q8_0}: fp16 d, 32 x int8 q, 34 bytes): each element is
 * {@code q·d}, exact in fp32. A vector of int8 codes is widened and multiplied by the block's scale.
 */
final class Q8_0Cpu extends BlockFormat {

    static final Q8_0Cpu INSTANCE = new Q8_0Cpu();
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 34;

    private Q8_0Cpu() {
        super(DType.Q8_0);
    }

    @Override
    void decodeBlocks(MemorySegment data, long first, int count, MemorySegment dst, long dstOff) {
        long at = first / BLOCK * BLOCK_BYTES;
        for (long o = dstOff; o < dstOff + 4L * count; o += 4 * BLOCK, at += BLOCK_BYTES) {
            float d = half(data, at);
            for (int i = 0; i < BLOCK; i += lanes()) {
                values(data, at + 2 + i, d).intoMemorySegment(dst, o + 4L * i, NATIVE);
            }
        }
    }

    @Override
    FloatVector loadLanes(MemorySegment data, long first) {
        long at = first / BLOCK * BLOCK_BYTES;
        return values(data, at + 2 + first % BLOCK, half(data, at));
    }

    @Override
    void dot2Blocks(MemorySegment data, long firstA, long firstB, float[] x, int k, float[] y, int yA, int yB) {
        FloatVector a = FloatVector.zero(F);
        FloatVector b = FloatVector.zero(F);
        long atA = firstA / BLOCK * BLOCK_BYTES;
        long atB = firstB / BLOCK * BLOCK_BYTES;
        for (int o = 0; o < k; o += BLOCK, atA += BLOCK_BYTES, atB += BLOCK_BYTES) {
            float dA = half(data, atA);
            float dB = half(data, atB);
            for (int i = 0; i < BLOCK; i += lanes()) {
                FloatVector xv = FloatVector.fromArray(F, x, o + i);
                a = values(data, atA + 2 + i, dA).fma(xv, a);
                b = values(data, atB + 2 + i, dB).fma(xv, b);
            }
        }
        y[yA] = VectorOps.sum(a);
        y[yB] = VectorOps.sum(b);
    }

    /** The lanes whose int8 codes start at byte {@code at}, in a block of scale {@code d}. */
    private static FloatVector values(MemorySegment data, long at, float d) {
        return widen(bytes(data, at)).mul(d);
    }

    @Override
    float valueAt(MemorySegment data, long i) {
        long at = i / BLOCK * BLOCK_BYTES;
        return byteAt(data, at + 2 + i % BLOCK) * half(data, at);
    }
}
