package dev.llada2.backend.cpu.format;

import dev.llada2.checkpoint.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.llada2.backend.cpu.format.BlockLanes.*;

/**
 * Q6_K weights (llama.cpp {@code block_q6_K}, 210 bytes per 256 elements): 4 low bits in
 * {@code ql[128]}, 2 high bits in {@code qh[64]}, 16 int8 scales (one per 16 elements), fp16 d.
 * Element {@code i} is {@code (d·scale[i/16])·(q − 32)}. Per vector of lanes, the 6-bit codes are
 * assembled from their two byte planes with shifts and a blend, then widened and scaled.
 */
final class Q6KCpu extends BlockFormat {

    static final Q6KCpu INSTANCE = new Q6KCpu();
    private static final int BLOCK = 256;
    private static final int BLOCK_BYTES = 210;
    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;
    private static final int SCALE_COUNT = 16;
    private static final int TOP2 = 0xC0000000;

    private Q6KCpu() {
        super(DType.Q6_K);
    }

    /**
     * Quarter {@code q} of half {@code h} (elements {@code 128h + 32q + l}) takes the low nibble of
     * {@code ql[64h + 32(q & 1) + l]} for q = 0, 1 and its high one for q = 2, 3, and bits
     * {@code 2q, 2q+1} of {@code qh[32h + l]} on top as bits 4, 5. The bytes come in int lanes (x86
     * shifts int lanes natively, byte lanes not at all), and each code is assembled at the top of its
     * lane: one left shift puts the nibble on bits 26..29, another the two {@code qh} bits on bits
     * 30, 31, one blend takes bits 30, 31 from the {@code qh} side, and an arithmetic right shift by
     * 26 brings the 6-bit code down sign-extended. The {@code qh} bytes have their odd bits flipped
     * once per load (xor 0xAA), which flips bit 5 of every code, so that the sign-extended value is
     * {@code q − 32} without a mask and a subtraction. Per half and run of lanes the three byte
     * vectors are loaded once for all four quarters. The sixteen products {@code d·scale[j]} (exact:
     * an 11-bit significand times an 8-bit integer) are computed once per block, one vector
     * conversion into the first 16 floats of {@code tmp} (rather than a new array per call: a
     * product of Q6_K rows calls this once per row and pass), and each vector of codes is multiplied by its group's
     * (needs at most 16 lanes: a vector within one group of 16). Written out in one loop nest with no
     * helper taking or returning a vector (see {@link BlockLanes}). Codes and output at computed
     * offsets, no slice per block ({@link Q4KCpu} says why).
     */
    @Override
    public void decode(MemorySegment data, long first, int count, float[] tmp, MemorySegment dst, long dstOff) {
        if (!vectorized() || lanes() > SCALE_COUNT) {
            decodeScalar(data, first, count, dst, dstOff);
            return;
        }
        // tmp's first 16 floats (this path writes dst directly, so tmp is free); a caller without one
        // (a row decoded into an array, through BlockFormat's stage) gets a new array
        float[] scales = tmp != null && tmp.length >= SCALE_COUNT ? tmp : new float[SCALE_COUNT];
        long at0 = first / BLOCK * BLOCK_BYTES;
        int blocks = (count + BLOCK - 1) / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long at = at0 + (long) b * BLOCK_BYTES;
            long out = dstOff + 4L * BLOCK * b;
            float d = half(data, at + D);
            for (int s = 0; s < SCALE_COUNT; s += lanes()) {
                ((FloatVector) ByteVector.fromMemorySegment(B, data, at + SCALES + s, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(scales, s);
            }
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l += lanes()) {
                    IntVector ql0 = (IntVector) ByteVector.fromMemorySegment(B, data, at + 64 * h + l,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0);
                    IntVector ql1 = (IntVector) ByteVector.fromMemorySegment(B, data, at + 64 * h + 32 + l,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0);
                    IntVector qh = ((IntVector) ByteVector.fromMemorySegment(B, data, at + QH + 32 * h + l,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0)).lanewise(VectorOperators.XOR, 0xAA);
                    for (int n = 0; n < 2; n++) {
                        // quarters 2n (from ql0) and 2n + 1 (from ql1): nibble n, qh bits 4n.. and 4n + 2..
                        int e = 128 * h + 64 * n + l;
                        IntVector c0 = ql0.lanewise(VectorOperators.LSHL, 26 - 4 * n)
                                .bitwiseBlend(qh.lanewise(VectorOperators.LSHL, 30 - 4 * n), TOP2).lanewise(VectorOperators.ASHR, 26);
                        IntVector c1 = ql1.lanewise(VectorOperators.LSHL, 26 - 4 * n)
                                .bitwiseBlend(qh.lanewise(VectorOperators.LSHL, 28 - 4 * n), TOP2).lanewise(VectorOperators.ASHR, 26);
                        ((FloatVector) c0.convertShape(VectorOperators.I2F, F, 0)).mul(scales[e / 16])
                                .intoMemorySegment(dst, out + 4L * e, NATIVE);
                        ((FloatVector) c1.convertShape(VectorOperators.I2F, F, 0)).mul(scales[(e + 32) / 16])
                                .intoMemorySegment(dst, out + 4L * (e + 32), NATIVE);
                    }
                }
            }
        }
    }

    @Override
    public int rowTokens() {
        return vectorized() && lanes() <= SCALE_COUNT ? 2 : 0;
    }

    /**
     * {@link #decode}'s arithmetic, each vector fed to the row's accumulators instead of stored,
     * quarter by quarter in column order (two tokens 7–20% faster than the panel; written as two loops,
     * one per {@code ql} half, the two-token version compiled to code 2x slower than the panel's). A vector's
     * group scale {@code d·scale[j]} is formed as a scalar (the same exact product as the decoder's
     * vector of them).
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
            int xb = xo + BLOCK * b;
            float d = half(data, at + D);
            for (int h = 0; h < 2; h++) {
                for (int n = 0; n < 2; n++) {
                    // quarter 2n + p: nibble n of ql's bytes 64h + 32p.., qh bits 4n + 2p..
                    for (int p = 0; p < 2; p++) {
                        for (int l = 0; l < 32; l += lanes()) {
                            int e = 128 * h + 64 * n + 32 * p + l;
                            IntVector ql = (IntVector) ByteVector.fromMemorySegment(B, data, at + 64 * h + 32 * p + l,
                                    ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0);
                            IntVector qh = ((IntVector) ByteVector.fromMemorySegment(B, data, at + QH + 32 * h + l,
                                    ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0))
                                    .lanewise(VectorOperators.XOR, 0xAA);
                            IntVector code = ql.lanewise(VectorOperators.LSHL, 26 - 4 * n)
                                    .bitwiseBlend(qh.lanewise(VectorOperators.LSHL, 30 - 4 * n - 2 * p), TOP2)
                                    .lanewise(VectorOperators.ASHR, 26);
                            FloatVector w = ((FloatVector) code.convertShape(VectorOperators.I2F, F, 0))
                                    .mul(d * byteAt(data, at + SCALES + e / 16));
                            a = w.fma(FloatVector.fromArray(F, x, xb + e), a);
                            if (two) {
                                a1 = w.fma(FloatVector.fromArray(F, x, xb + xs + e), a1);
                            }
                        }
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
        int h = w / 128;
        int k = w % 128 / 32;
        int l = w % 32;
        int ql = byteAt(data, at + 64L * h + 32L * (k & 1) + l) & 0xFF;
        int low = k < 2 ? ql & 0x0F : ql >> 4;
        int high = (byteAt(data, at + QH + 32L * h + l) & 0xFF) >> (2 * k) & 3;
        return half(data, at + D) * byteAt(data, at + SCALES + w / 16) * ((low | high << 4) - 32);
    }
}
