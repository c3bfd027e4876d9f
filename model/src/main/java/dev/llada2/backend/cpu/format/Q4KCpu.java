package dev.llada2.backend.cpu.format;

import dev.llada2.backend.cpu.VectorOps;
import dev.llada2.checkpoint.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.llada2.backend.cpu.format.BlockLanes.*;

/**
 * Q4_K weights (llama.cpp {@code block_q4_K}, 144 bytes per 256 elements): fp16 d and dmin, eight
 * 6-bit sub-block scales and mins packed in 12 bytes, 128 bytes of 4-bit codes. Element {@code i}
 * of sub-block {@code j} (32 elements) is {@code (d·sc[j])·q − dmin·m[j]}: the two products are
 * computed once per sub-block, then one multiply and one subtract per vector of codes (not fused,
 * so the result equals the scalar definition bit for bit).
 */
final class Q4KCpu extends BlockFormat {

    static final Q4KCpu INSTANCE = new Q4KCpu();
    private static final int BLOCK = 256;
    private static final int BLOCK_BYTES = 144;
    private static final int SCALES = 4;
    private static final int QS = 16;

    private Q4KCpu() {
        super(DType.Q4_K);
    }

    @Override
    void decodeBlocks(MemorySegment data, long first, int count, float[] dst, int dstOff) {
        long at = first / BLOCK * BLOCK_BYTES;
        for (int o = dstOff; o < dstOff + count; o += BLOCK, at += BLOCK_BYTES) {
            float d = half(data, at);
            float dmin = half(data, at + 2);
            for (int c = 0; c < 4; c++) {
                float d1 = d * scale(data, at, 2 * c);
                float m1 = dmin * min(data, at, 2 * c);
                float d2 = d * scale(data, at, 2 * c + 1);
                float m2 = dmin * min(data, at, 2 * c + 1);
                for (int l = 0; l < 32; l += lanes()) {
                    ByteVector q = bytes(data, at + QS + 32L * c + l);
                    widen(low(q)).mul(d1).sub(m1).intoArray(dst, o + 64 * c + l);
                    widen(high(q)).mul(d2).sub(m2).intoArray(dst, o + 64 * c + 32 + l);
                }
            }
        }
    }

    @Override
    FloatVector loadLanes(MemorySegment data, long first) {
        long at = first / BLOCK * BLOCK_BYTES;
        int w = (int) (first % BLOCK);
        int j = w / 32;
        ByteVector q = bytes(data, at + QS + 32L * (j / 2) + w % 32);
        return widen((j & 1) == 0 ? low(q) : high(q)).mul(half(data, at) * scale(data, at, j))
                .sub(half(data, at + 2) * min(data, at, j));
    }

    /** Sub-block by sub-block in element order: the low nibbles of a 32-byte chunk, then its high ones. */
    @Override
    float dotBlocks(MemorySegment data, long first, float[] x, int k) {
        FloatVector acc = FloatVector.zero(F);
        long at = first / BLOCK * BLOCK_BYTES;
        for (int o = 0; o < k; o += BLOCK, at += BLOCK_BYTES) {
            float d = half(data, at);
            float dmin = half(data, at + 2);
            for (int j = 0; j < 8; j++) {
                float dj = d * scale(data, at, j);
                float mj = dmin * min(data, at, j);
                long codes = at + QS + 32L * (j / 2);
                int e = o + 32 * j;
                for (int l = 0; l < 32; l += lanes()) {
                    ByteVector q = bytes(data, codes + l);
                    FloatVector w = widen((j & 1) == 0 ? low(q) : high(q)).mul(dj).sub(mj);
                    acc = w.fma(FloatVector.fromArray(F, x, e + l), acc);
                }
            }
        }
        return VectorOps.sum(acc);
    }

    private static ByteVector low(ByteVector q) {
        return q.and((byte) 0x0F);
    }

    private static ByteVector high(ByteVector q) {
        return q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F);
    }

    @Override
    float valueAt(MemorySegment data, long i) {
        long at = i / BLOCK * BLOCK_BYTES;
        int w = (int) (i % BLOCK);
        int j = w / 32;
        int code = byteAt(data, at + QS + 32L * (j / 2) + w % 32) & 0xFF;
        int q = (j & 1) == 0 ? code & 0x0F : code >> 4;
        return half(data, at) * scale(data, at, j) * q - half(data, at + 2) * min(data, at, j);
    }

    /** The 6-bit scale of sub-block {@code j} (llama.cpp's {@code get_scale_min_k4}, scale half). */
    private static int scale(MemorySegment data, long at, int j) {
        long p = at + SCALES;
        if (j < 4) {
            return byteAt(data, p + j) & 63;
        }
        return (byteAt(data, p + j + 4) & 0x0F) | ((byteAt(data, p + j - 4) & 0xFF) >> 6) << 4;
    }

    /** The 6-bit min of sub-block {@code j} (llama.cpp's {@code get_scale_min_k4}, min half). */
    private static int min(MemorySegment data, long at, int j) {
        long p = at + SCALES;
        if (j < 4) {
            return byteAt(data, p + j + 4) & 63;
        }
        return (byteAt(data, p + j + 4) & 0xFF) >> 4 | ((byteAt(data, p + j) & 0xFF) >> 6) << 4;
    }
}
