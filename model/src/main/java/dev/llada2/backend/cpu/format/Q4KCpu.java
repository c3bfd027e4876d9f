package dev.llada2.backend.cpu.format;

import dev.llada2.backend.cpu.VectorOps;
import dev.llada2.checkpoint.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.llada2.backend.cpu.format.BlockLanes.*;

/**
 * Q4_K weights (llama.cpp {@code block_q4_K}, 144 bytes per 256 elements): fp16 d and dmin, eight
 * 6-bit sub-block scales and mins packed in 12 bytes, 128 bytes of 4-bit codes. Element {@code i}
 * of sub-block {@code j} (32 elements) is {@code (d·sc[j])·q − dmin·m[j]}: the two products are
 * computed once per sub-block, then one multiply and one subtract per vector of codes (not fused,
 * so the result equals the scalar definition bit for bit). The 12 packed scale bytes are read once
 * per block (as a long and an int); the codes are unpacked in int lanes, where a shift is one
 * instruction (x86 has no byte-lane shift).
 */
final class Q4KCpu extends BlockFormat {

    static final Q4KCpu INSTANCE = new Q4KCpu();
    private static final int BLOCK = 256;
    private static final int BLOCK_BYTES = 144;
    private static final int SCALES = 4;
    private static final int QS = 16;
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Q4KCpu() {
        super(DType.Q4_K);
    }

    @Override
    void decodeBlocks(MemorySegment data, long first, int count, MemorySegment dst, long dstOff) {
        long at = first / BLOCK * BLOCK_BYTES;
        for (long o = dstOff; o < dstOff + 4L * count; o += 4 * BLOCK, at += BLOCK_BYTES) {
            float d = half(data, at);
            float dmin = half(data, at + 2);
            long s8 = data.get(LONG_LE, at + SCALES);
            int s4 = data.get(INT_LE, at + SCALES + 8);
            for (int c = 0; c < 4; c++) {
                float d1 = d * scale(s8, s4, 2 * c);
                float m1 = dmin * min(s8, s4, 2 * c);
                float d2 = d * scale(s8, s4, 2 * c + 1);
                float m2 = dmin * min(s8, s4, 2 * c + 1);
                for (int l = 0; l < 32; l += lanes()) {
                    IntVector q = ints(data, at + QS + 32L * c + l);
                    values(low(q), d1, m1).intoMemorySegment(dst, o + 4L * (64 * c + l), NATIVE);
                    values(high(q), d2, m2).intoMemorySegment(dst, o + 4L * (64 * c + 32 + l), NATIVE);
                }
            }
        }
    }

    @Override
    FloatVector loadLanes(MemorySegment data, long first) {
        long at = first / BLOCK * BLOCK_BYTES;
        int w = (int) (first % BLOCK);
        int j = w / 32;
        long s8 = data.get(LONG_LE, at + SCALES);
        int s4 = data.get(INT_LE, at + SCALES + 8);
        IntVector q = ints(data, at + QS + 32L * (j / 2) + w % 32);
        return values((j & 1) == 0 ? low(q) : high(q), half(data, at) * scale(s8, s4, j),
                half(data, at + 2) * min(s8, s4, j));
    }

    /** Sub-block by sub-block in element order: the low nibbles of a 32-byte chunk, then its high ones. */
    @Override
    void dot2Blocks(MemorySegment data, long firstA, long firstB, float[] x, int k, float[] y, int yA, int yB) {
        FloatVector a = FloatVector.zero(F);
        FloatVector b = FloatVector.zero(F);
        long atA = firstA / BLOCK * BLOCK_BYTES;
        long atB = firstB / BLOCK * BLOCK_BYTES;
        for (int o = 0; o < k; o += BLOCK, atA += BLOCK_BYTES, atB += BLOCK_BYTES) {
            float dA = half(data, atA);
            float dminA = half(data, atA + 2);
            long sA8 = data.get(LONG_LE, atA + SCALES);
            int sA4 = data.get(INT_LE, atA + SCALES + 8);
            float dB = half(data, atB);
            float dminB = half(data, atB + 2);
            long sB8 = data.get(LONG_LE, atB + SCALES);
            int sB4 = data.get(INT_LE, atB + SCALES + 8);
            for (int c = 0; c < 4; c++) {
                int e = o + 64 * c;
                for (int nibble = 0; nibble < 2; nibble++) {
                    int j = 2 * c + nibble;
                    float dAj = dA * scale(sA8, sA4, j);
                    float mAj = dminA * min(sA8, sA4, j);
                    float dBj = dB * scale(sB8, sB4, j);
                    float mBj = dminB * min(sB8, sB4, j);
                    for (int l = 0; l < 32; l += lanes()) {
                        FloatVector xv = FloatVector.fromArray(F, x, e + 32 * nibble + l);
                        IntVector qA = ints(data, atA + QS + 32L * c + l);
                        IntVector qB = ints(data, atB + QS + 32L * c + l);
                        a = values(nibble == 0 ? low(qA) : high(qA), dAj, mAj).fma(xv, a);
                        b = values(nibble == 0 ? low(qB) : high(qB), dBj, mBj).fma(xv, b);
                    }
                }
            }
        }
        y[yA] = VectorOps.sum(a);
        y[yB] = VectorOps.sum(b);
    }

    /** Codes of a sub-block with scale product {@code dj} and min product {@code mj}: multiply, then subtract. */
    private static FloatVector values(IntVector q, float dj, float mj) {
        return widen(q).mul(dj).sub(mj);
    }

    private static IntVector low(IntVector q) {
        return q.and(0x0F);
    }

    private static IntVector high(IntVector q) {
        return q.lanewise(VectorOperators.ASHR, 4).and(0x0F);
    }

    @Override
    float valueAt(MemorySegment data, long i) {
        long at = i / BLOCK * BLOCK_BYTES;
        int w = (int) (i % BLOCK);
        int j = w / 32;
        int code = byteAt(data, at + QS + 32L * (j / 2) + w % 32) & 0xFF;
        int q = (j & 1) == 0 ? code & 0x0F : code >> 4;
        long s8 = data.get(LONG_LE, at + SCALES);
        int s4 = data.get(INT_LE, at + SCALES + 8);
        return half(data, at) * scale(s8, s4, j) * q - half(data, at + 2) * min(s8, s4, j);
    }

    /** Byte {@code b} of the 12 packed scale bytes, given as bytes 0..7 ({@code s8}) and 8..11 ({@code s4}). */
    private static int packed(long s8, int s4, int b) {
        return b < 8 ? (int) (s8 >>> 8 * b) & 0xFF : s4 >>> 8 * (b - 8) & 0xFF;
    }

    /** The 6-bit scale of sub-block {@code j} (llama.cpp's {@code get_scale_min_k4}, scale half). */
    private static int scale(long s8, int s4, int j) {
        if (j < 4) {
            return packed(s8, s4, j) & 63;
        }
        return (packed(s8, s4, j + 4) & 0x0F) | (packed(s8, s4, j - 4) >> 6) << 4;
    }

    /** The 6-bit min of sub-block {@code j} (llama.cpp's {@code get_scale_min_k4}, min half). */
    private static int min(long s8, int s4, int j) {
        if (j < 4) {
            return packed(s8, s4, j + 4) & 63;
        }
        return packed(s8, s4, j + 4) >> 4 | (packed(s8, s4, j) >> 6) << 4;
    }
}
