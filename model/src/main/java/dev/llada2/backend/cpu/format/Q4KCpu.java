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
 * bits times 4), so both forms round only the subtraction. The 12 packed scale bytes are read once
 * per block (as a long and an int) and unpacked four at a time in an int; the codes are unpacked
 * in int lanes, where a shift is one instruction (x86 has no byte-lane shift): the bytes are
 * zero-extended, so the high nibble is one logical shift without a mask.
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
     * Per 64-element chunk {@code c}, its 32 code bytes are loaded once and give the low nibbles
     * (sub-block 2c) and the high ones (sub-block 2c + 1). Written out in one loop nest with no
     * helper taking or returning a vector (see {@link BlockLanes}). The codes are read from
     * {@code data} and the output written to {@code dst} at computed offsets, never through a slice
     * per block: a JVM that slices memory segments of more than one class (the engine's weights are
     * mapped from the file, its panels are not; the test suite adds heap segments) merges them at
     * every {@code asSlice}, whose type profile HotSpot keeps per method for all callers, and C2 then
     * allocated every block's slice (81920 bytes per 256 x 2048 product, {@code TileAllocationTest},
     * which runs every product on mapped and allocated copies, in the module's whole suite). Slices
     * checked bounds once per block and were worth 10–20% in a JVM that only ever saw one class
     * (the old {@code WeightDecodeBench}); on mapped weights, the engine's case, the products are
     * faster without them ({@code ExpertStreamBench -p memory=mapped}, perf/RESULTS.md).
     */
    @Override
    public void decode(MemorySegment data, long first, int count, float[] tmp, MemorySegment dst, long dstOff) {
        if (!vectorized()) {
            decodeScalar(data, first, count, dst, dstOff);
            return;
        }
        long at0 = first / BLOCK * BLOCK_BYTES;
        int blocks = (count + BLOCK - 1) / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long at = at0 + (long) b * BLOCK_BYTES;
            long out = dstOff + 4L * BLOCK * b;
            float d = half(data, at);
            float dmin = half(data, at + 2);
            long scales = scales(data, at);
            long mins = mins(data, at);
            for (int c = 0; c < 4; c++) {
                FloatVector dLow = FloatVector.broadcast(F, factor(d, scales, 2 * c));
                FloatVector mLow = FloatVector.broadcast(F, -factor(dmin, mins, 2 * c));
                FloatVector dHigh = FloatVector.broadcast(F, factor(d, scales, 2 * c + 1));
                FloatVector mHigh = FloatVector.broadcast(F, -factor(dmin, mins, 2 * c + 1));
                for (int l = 0; l < 32; l += lanes()) {
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, at + QS + 32 * c + l,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    ((FloatVector) q.and(0x0F).convertShape(VectorOperators.I2F, F, 0)).fma(dLow, mLow)
                            .intoMemorySegment(dst, out + 4L * (64 * c + l), NATIVE);
                    ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0))
                            .fma(dHigh, mHigh).intoMemorySegment(dst, out + 4L * (64 * c + 32 + l), NATIVE);
                }
            }
        }
    }

    @Override
    public int rowTokens() {
        return vectorized() ? 2 : 0;
    }

    /**
     * {@link #decode}'s arithmetic, each vector fed to the row's accumulators instead of stored: per
     * 64-element chunk the low nibbles (its first 32 columns) and then the high ones, so the vectors
     * reach them in column order. (Looping over the eight sub-blocks instead, each loading its chunk's
     * codes again and masking after the shift, measured 15% slower for one token.)
     */
    @Override
    public void accumulateRow(MemorySegment data, long first, int count, float[] x, int xo, int xs, int tokens,
                              float[] acc, int accOff, int as) {
        boolean two = tokens == 2;
        FloatVector a = FloatVector.fromArray(F, acc, accOff);
        // token 1's accumulator; with one token a stand-in that is never stored
        FloatVector a1 = two ? FloatVector.fromArray(F, acc, accOff + as) : a;
        long at0 = first / BLOCK * BLOCK_BYTES;
        int blocks = count / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long at = at0 + (long) b * BLOCK_BYTES;
            float d = half(data, at);
            float dmin = half(data, at + 2);
            long scales = scales(data, at);
            long mins = mins(data, at);
            int xb = xo + BLOCK * b;
            for (int c = 0; c < 4; c++) {
                FloatVector dLow = FloatVector.broadcast(F, factor(d, scales, 2 * c));
                FloatVector mLow = FloatVector.broadcast(F, -factor(dmin, mins, 2 * c));
                FloatVector dHigh = FloatVector.broadcast(F, factor(d, scales, 2 * c + 1));
                FloatVector mHigh = FloatVector.broadcast(F, -factor(dmin, mins, 2 * c + 1));
                // the low nibbles (columns 64c..) before the high ones (64c + 32..): column order
                for (int l = 0; l < 32; l += lanes()) {
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, at + QS + 32 * c + l,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    FloatVector w = ((FloatVector) q.and(0x0F).convertShape(VectorOperators.I2F, F, 0)).fma(dLow, mLow);
                    a = w.fma(FloatVector.fromArray(F, x, xb + 64 * c + l), a);
                    if (two) {
                        a1 = w.fma(FloatVector.fromArray(F, x, xb + xs + 64 * c + l), a1);
                    }
                }
                for (int l = 0; l < 32; l += lanes()) {
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, at + QS + 32 * c + l,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    FloatVector w = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0))
                            .fma(dHigh, mHigh);
                    a = w.fma(FloatVector.fromArray(F, x, xb + 64 * c + 32 + l), a);
                    if (two) {
                        a1 = w.fma(FloatVector.fromArray(F, x, xb + xs + 64 * c + 32 + l), a1);
                    }
                }
            }
        }
        a.intoArray(acc, accOff);
        if (two) {
            a1.intoArray(acc, accOff + as);
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
        return half(data, at) * (int) (scales(s8, s4) >>> 8 * j & 0xFF) * q
                - half(data, at + 2) * (int) (mins(s8, s4) >>> 8 * j & 0xFF);
    }

    /*
     * The 12 packed bytes q[0..11] (llama.cpp's get_scale_min_k4): sub-block j < 4 has scale q[j] & 63
     * and min q[j + 4] & 63; j >= 4 has scale (q[j + 4] & 15) | (q[j - 4] >> 6) << 4 and min
     * (q[j + 4] >> 4) | (q[j] >> 6) << 4. Both are computed for four bytes at once in an int.
     */

    /** The eight 6-bit scales of the block at byte {@code at}, sub-block {@code j} in byte {@code j}. */
    private static long scales(MemorySegment data, long at) {
        return scales(data.get(LONG_LE, at + SCALES), data.get(INT_LE, at + SCALES + 8));
    }

    /** The eight 6-bit mins of the block at byte {@code at}, sub-block {@code j} in byte {@code j}. */
    private static long mins(MemorySegment data, long at) {
        return mins(data.get(LONG_LE, at + SCALES), data.get(INT_LE, at + SCALES + 8));
    }

    /** {@code d} times byte {@code j} of {@code packed} (a sub-block's 6-bit scale or min): exact in fp32. */
    private static float factor(float d, long packed, int j) {
        return d * (int) (packed >>> 8 * j & 0xFF);
    }

    /** The eight 6-bit scales of a block, sub-block {@code j} in byte {@code j}; {@code s8}: q[0..7], {@code s4}: q[8..11]. */
    private static long scales(long s8, int s4) {
        int q0 = (int) s8;
        return (q0 & 0x3F3F3F3FL) | ((long) ((s4 & 0x0F0F0F0F) | (q0 >>> 2 & 0x30303030)) << 32);
    }

    /** The eight 6-bit mins of a block, sub-block {@code j} in byte {@code j}. */
    private static long mins(long s8, int s4) {
        int q4 = (int) (s8 >>> 32);
        return (q4 & 0x3F3F3F3FL) | ((long) ((s4 >>> 4 & 0x0F0F0F0F) | (q4 >>> 2 & 0x30303030)) << 32);
    }
}
