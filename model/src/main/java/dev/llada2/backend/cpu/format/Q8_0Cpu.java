package dev.llada2.backend.cpu.format;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.llada2.backend.cpu.format.BlockLanes.*;

/**
 * Q8_0 weights (llama.cpp {@code block_q8_0}: fp16 d, 32 x int8 q, 34 bytes): each element is
 * {@code q·d}, exact in fp32. A vector of int8 codes is widened and multiplied by the block's scale.
 */
final class Q8_0Cpu implements CpuWeightFormat {

    static final Q8_0Cpu INSTANCE = new Q8_0Cpu();
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 34;

    private Q8_0Cpu() {
    }

    @Override
    public int alignment() {
        return BLOCK;
    }

    @Override
    public void decode(MemorySegment data, long first, int count, float[] dst, int dstOff) {
        if (!vectorized()) {
            decodeScalar(Q8_0Cpu::valueAt, data, first, count, dst, dstOff);
            return;
        }
        long block = first / BLOCK;
        for (int b = 0; b < count / BLOCK; b++, block++) {
            long at = block * BLOCK_BYTES;
            float d = half(data, at);
            int o = dstOff + b * BLOCK;
            for (int i = 0; i < BLOCK; i += lanes()) {
                widen(bytes(data, at + 2 + i)).mul(d).intoArray(dst, o + i);
            }
        }
    }

    @Override
    public FloatVector load(MemorySegment data, long first) {
        if (!vectorized()) {
            return loadScalar(Q8_0Cpu::valueAt, data, first);
        }
        long at = first / BLOCK * BLOCK_BYTES;
        return widen(bytes(data, at + 2 + first % BLOCK)).mul(half(data, at));
    }

    static float valueAt(MemorySegment data, long i) {
        long at = i / BLOCK * BLOCK_BYTES;
        return byteAt(data, at + 2 + i % BLOCK) * half(data, at);
    }
}
