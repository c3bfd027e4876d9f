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
    public void decode(MemorySegment data, long first, int count, float[] tmp, MemorySegment dst, long dstOff) {
        if (!vectorized()) {
            decodeScalar(data, first, count, dst, dstOff);
            return;
        }
        long at = first / BLOCK * BLOCK_BYTES;
        for (long o = dstOff; o < dstOff + 4L * count; o += 4 * BLOCK, at += BLOCK_BYTES) {
            float d = half(data, at);
            for (int i = 0; i < BLOCK; i += lanes()) {
                ((FloatVector) ByteVector.fromMemorySegment(B, data, at + 2 + i, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(d).intoMemorySegment(dst, o + 4L * i, NATIVE);
            }
        }
    }

    @Override
    float valueAt(MemorySegment data, long i) {
        long at = i / BLOCK * BLOCK_BYTES;
        return byteAt(data, at + 2 + i % BLOCK) * half(data, at);
    }
}
