package dev.llada2.backend.cpu.format;

import dev.llada2.checkpoint.DType;
import jdk.incubator.vector.ByteVector;
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

    /**
     * Per 64-element chunk, its 32 code bytes give the low nibbles (sub-block 2c) and then the high
     * ones (sub-block 2c + 1); a shift count picks the nibble. Written out in one loop nest with no
     * helper taking or returning a vector (see {@link BlockLanes}).
     */
    @Override
    void decodeBlocks(MemorySegment data, long first, int count, MemorySegment dst, long dstOff) {
        long at = first / BLOCK * BLOCK_BYTES;
        for (long o = dstOff; o < dstOff + 4L * count; o += 4 * BLOCK, at += BLOCK_BYTES) {
            float d = half(data, at);
            float dmin = half(data, at + 2);
            long s8 = data.get(LONG_LE, at + SCALES);
            int s4 = data.get(INT_LE, at + SCALES + 8);
            for (int j = 0; j < 8; j++) {
                float dj = d * scale(s8, s4, j);
                float mj = dmin * min(s8, s4, j);
                int shift = 4 * (j & 1);
                for (int l = 0; l < 32; l += lanes()) {
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, at + QS + 32L * (j / 2) + l,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0);
                    ((FloatVector) q.lanewise(VectorOperators.ASHR, shift).and(0x0F)
                            .convertShape(VectorOperators.I2F, F, 0)).mul(dj).sub(mj)
                            .intoMemorySegment(dst, o + 4L * (32 * j + l), NATIVE);
                }
            }
        }
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
