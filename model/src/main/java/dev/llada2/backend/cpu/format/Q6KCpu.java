package dev.llada2.backend.cpu.format;

import dev.llada2.backend.cpu.VectorOps;
import dev.llada2.checkpoint.DType;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.llada2.backend.cpu.format.BlockLanes.*;

/**
 * Q6_K weights (llama.cpp {@code block_q6_K}, 210 bytes per 256 elements): 4 low bits in
 * {@code ql[128]}, 2 high bits in {@code qh[64]}, 16 int8 scales (one per 16 elements), fp16 d.
 * Element {@code i} is {@code (d·scale[i/16])·(q − 32)}. Per vector of lanes, the 6-bit codes are
 * assembled from their two byte planes with shifts and masks, then widened and scaled.
 */
final class Q6KCpu extends BlockFormat {

    static final Q6KCpu INSTANCE = new Q6KCpu();
    private static final int BLOCK = 256;
    private static final int BLOCK_BYTES = 210;
    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    private Q6KCpu() {
        super(DType.Q6_K);
    }

    @Override
    void decodeBlocks(MemorySegment data, long first, int count, MemorySegment dst, long dstOff) {
        long at = first / BLOCK * BLOCK_BYTES;
        for (long o = dstOff; o < dstOff + 4L * count; o += 4 * BLOCK, at += BLOCK_BYTES) {
            float d = half(data, at + D);
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l += lanes()) {
                    IntVector ql0 = ints(data, at + 64L * h + l);
                    IntVector ql1 = ints(data, at + 64L * h + 32 + l);
                    IntVector qh = ints(data, at + QH + 32L * h + l);
                    int s = 8 * h + l / 16;
                    long e = o + 4L * (128 * h + l);
                    code(ql0, qh, 0).mul(d * scaleAt(data, at, s)).intoMemorySegment(dst, e, NATIVE);
                    code(ql1, qh, 1).mul(d * scaleAt(data, at, s + 2)).intoMemorySegment(dst, e + 4 * 32, NATIVE);
                    code(ql0, qh, 2).mul(d * scaleAt(data, at, s + 4)).intoMemorySegment(dst, e + 4 * 64, NATIVE);
                    code(ql1, qh, 3).mul(d * scaleAt(data, at, s + 6)).intoMemorySegment(dst, e + 4 * 96, NATIVE);
                }
            }
        }
    }

    @Override
    FloatVector loadLanes(MemorySegment data, long first) {
        long at = first / BLOCK * BLOCK_BYTES;
        int w = (int) (first % BLOCK);
        int h = w / 128;
        int k = w % 128 / 32;
        int l = w % 32;
        IntVector ql = ints(data, at + 64L * h + 32L * (k & 1) + l);
        IntVector qh = ints(data, at + QH + 32L * h + l);
        return code(ql, qh, k).mul(half(data, at + D) * scaleAt(data, at, w / 16));
    }

    /** Quarter by quarter of each half, in element order. */
    @Override
    void dot2Blocks(MemorySegment data, long firstA, long firstB, float[] x, int k, float[] y, int yA, int yB) {
        FloatVector a = FloatVector.zero(F);
        FloatVector b = FloatVector.zero(F);
        long atA = firstA / BLOCK * BLOCK_BYTES;
        long atB = firstB / BLOCK * BLOCK_BYTES;
        for (int o = 0; o < k; o += BLOCK, atA += BLOCK_BYTES, atB += BLOCK_BYTES) {
            float dA = half(data, atA + D);
            float dB = half(data, atB + D);
            for (int h = 0; h < 2; h++) {
                for (int q = 0; q < 4; q++) {
                    for (int l = 0; l < 32; l += lanes()) {
                        int e = 128 * h + 32 * q + l;
                        long ql = 64L * h + 32L * (q & 1) + l;
                        long qh = QH + 32L * h + l;
                        FloatVector xv = FloatVector.fromArray(F, x, o + e);
                        a = code(ints(data, atA + ql), ints(data, atA + qh), q)
                                .mul(dA * scaleAt(data, atA, e / 16)).fma(xv, a);
                        b = code(ints(data, atB + ql), ints(data, atB + qh), q)
                                .mul(dB * scaleAt(data, atB, e / 16)).fma(xv, b);
                    }
                }
            }
        }
        y[yA] = VectorOps.sum(a);
        y[yB] = VectorOps.sum(b);
    }

    /**
     * The codes of quarter {@code k} (elements {@code l + 32k} of a half) minus 32, widened: the low
     * nibble of {@code ql} for k = 0, 1 and the high one for k = 2, 3, with bits {@code 2k, 2k+1} of
     * {@code qh} on top as bits 4, 5. The bytes come sign-extended in int lanes (x86 shifts int lanes
     * natively, byte lanes not at all): {@code qh} is shifted so that its two bits land on bits 4, 5,
     * one blend takes those from it and the nibble from {@code ql}, and a mask drops the rest.
     */
    private static FloatVector code(IntVector ql, IntVector qh, int k) {
        IntVector low = k < 2 ? ql : ql.lanewise(VectorOperators.ASHR, 4);
        IntVector high = switch (k) {
            case 0 -> qh.lanewise(VectorOperators.LSHL, 4);
            case 1 -> qh.lanewise(VectorOperators.LSHL, 2);
            case 2 -> qh;
            default -> qh.lanewise(VectorOperators.ASHR, 2);
        };
        return widen(low.bitwiseBlend(high, 0x30).and(0x3F).sub(32));
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
        return half(data, at + D) * scaleAt(data, at, w / 16) * ((low | high << 4) - 32);
    }

    private static int scaleAt(MemorySegment data, long at, int s) {
        return byteAt(data, at + SCALES + s);
    }
}
