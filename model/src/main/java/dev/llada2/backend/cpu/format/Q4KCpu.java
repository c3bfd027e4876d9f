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
 * computed once per sub-block, then one fused multiply-add per vector of codes. Fusing leaves the
 * result bit for bit that of the scalar definition: {@code d·sc[j]} and {@code dmin·m[j]} are exact
 * in fp32 (an 11-bit fp16 significand times a 6-bit integer), and so is {@code (d·sc[j])·q} (17
 * bits times 4), so both forms round only the subtraction. The 12 packed scale bytes are read per
 * block as a long and an int (for the scales, and again for the mins) and unpacked four at a time
 * in an int; the codes are unpacked in int lanes, where a shift is one instruction (x86 has no
 * byte-lane shift): the bytes are zero-extended, so the high nibble is one logical shift without a
 * mask.
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
     * Products with at most this many tokens read the weights in registers, more from a decoded
     * panel. Up to 4 tokens the tiles take one group, so each weight is widened once either way and
     * the panel's store and reload are saved (on an AMD EPYC Zen 4, 2048x512 and 512x2048 expert
     * products with 1–4 tokens took 0–10% less time, end to end Q4_K_M 1.06x BF16 against 1.14x
     * with the panel: perf/RESULTS.md); with 6 tokens in one group (5 was not tried) the tile and its widenings
     * grow too large for C2, which then leaves the loads as calls returning boxed vectors.
     */
    static final int IN_REGISTERS_TOKENS = 4;

    /**
     * In registers for routed experts' products of a few tokens ({@link #IN_REGISTERS_TOKENS}), where
     * a vector of lanes lies within one 32-element sub-block; a panel for more.
     */
    @Override
    public int tileLanes(int tokens) {
        return vectorized() && lanes() <= 32 && tokens <= IN_REGISTERS_TOKENS ? Q4_K_LANES : PANEL;
    }

    /**
     * Elements {@code [row + i, row + i + lanes)}, within one 32-element sub-block, where {@code row}
     * starts a block: the codes (low nibbles in the first half of each 64-element chunk, high ones
     * in the second) times {@code d·sc[j]} minus {@code dmin·m[j]}, one fused multiply-add as in
     * {@link #decode}, so bit for bit its result. The two factors of sub-block {@code j} of the run
     * come from {@code scales[s + 2j]} and {@code scales[s + 2j + 1]} ({@link #tileScales}).
     */
    static FloatVector load(MemorySegment data, long row, int i, float[] scales, int s) {
        long at = (row >> 8) * BLOCK_BYTES + (long) ((i >> 8) * BLOCK_BYTES) + QS + 32 * (i >> 6 & 3) + (i & 31);
        IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        int f = s + 2 * (i >> 5);
        return ((FloatVector) q.lanewise(VectorOperators.LSHR, i >> 3 & 4).and(0x0F)
                .convertShape(VectorOperators.I2F, F, 0)).fma(scales[f], scales[f + 1]);
    }

    /** Per sub-block of the run, {@code d·sc[j]} and {@code −dmin·m[j]}, as {@link #decode} computes them. */
    @Override
    public void tileScales(MemorySegment data, long first, int count, float[] dst, int dstOff) {
        long at = first / BLOCK * BLOCK_BYTES;
        for (int o = dstOff; o < dstOff + count / 16; o += 16, at += BLOCK_BYTES) {
            float d = half(data, at);
            float dmin = half(data, at + 2);
            long scales = scales(data, at);
            long mins = mins(data, at);
            for (int j = 0; j < 8; j++) {
                dst[o + 2 * j] = d * (int) (scales >>> 8 * j & 0xFF);
                dst[o + 2 * j + 1] = -(dmin * (int) (mins >>> 8 * j & 0xFF));
            }
        }
    }

    /**
     * Per 64-element chunk {@code c}, its 32 code bytes are loaded once and give the low nibbles
     * (sub-block 2c) and the high ones (sub-block 2c + 1). Written out in one loop nest with no
     * helper taking or returning a vector (see {@link BlockLanes}).
     */
    @Override
    public void decode(MemorySegment data, long first, int count, float[] tmp, MemorySegment dst, long dstOff) {
        if (!vectorized()) {
            decodeScalar(data, first, count, dst, dstOff);
            return;
        }
        long at = first / BLOCK * BLOCK_BYTES;
        for (long o = dstOff; o < dstOff + 4L * count; o += 4 * BLOCK, at += BLOCK_BYTES) {
            float d = half(data, at);
            float dmin = half(data, at + 2);
            long scales = scales(data, at);
            long mins = mins(data, at);
            for (int c = 0; c < 4; c++) {
                float dLow = d * (int) (scales >>> 16 * c & 0xFF);
                float mLow = dmin * (int) (mins >>> 16 * c & 0xFF);
                float dHigh = d * (int) (scales >>> 16 * c + 8 & 0xFF);
                float mHigh = dmin * (int) (mins >>> 16 * c + 8 & 0xFF);
                for (int l = 0; l < 32; l += lanes()) {
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, at + QS + 32L * c + l,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    ((FloatVector) q.and(0x0F).convertShape(VectorOperators.I2F, F, 0)).fma(dLow, -mLow)
                            .intoMemorySegment(dst, o + 4L * (64 * c + l), NATIVE);
                    ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0))
                            .fma(dHigh, -mHigh).intoMemorySegment(dst, o + 4L * (64 * c + 32 + l), NATIVE);
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
        return half(data, at) * (int) (scales(data, at) >>> 8 * j & 0xFF) * q
                - half(data, at + 2) * (int) (mins(data, at) >>> 8 * j & 0xFF);
    }

    /*
     * The 12 packed bytes q[0..11] (llama.cpp's get_scale_min_k4): sub-block j < 4 has scale q[j] & 63
     * and min q[j + 4] & 63; j >= 4 has scale (q[j + 4] & 15) | (q[j - 4] >> 6) << 4 and min
     * (q[j + 4] >> 4) | (q[j] >> 6) << 4. Both are computed for four bytes at once in an int.
     */

    /**
     * The eight 6-bit scales of the block at byte {@code at}, sub-block {@code j} in byte {@code j};
     * the packed bytes q[0..7] read as a long, q[8..11] as an int.
     */
    private static long scales(MemorySegment data, long at) {
        int q0 = (int) data.get(LONG_LE, at + SCALES);
        int s4 = data.get(INT_LE, at + SCALES + 8);
        return (q0 & 0x3F3F3F3FL) | ((long) ((s4 & 0x0F0F0F0F) | (q0 >>> 2 & 0x30303030)) << 32);
    }

    /** The eight 6-bit mins of the block at byte {@code at}, sub-block {@code j} in byte {@code j}. */
    private static long mins(MemorySegment data, long at) {
        int q4 = (int) (data.get(LONG_LE, at + SCALES) >>> 32);
        int s4 = data.get(INT_LE, at + SCALES + 8);
        return (q4 & 0x3F3F3F3FL) | ((long) ((s4 >>> 4 & 0x0F0F0F0F) | (q4 >>> 2 & 0x30303030)) << 32);
    }
}
