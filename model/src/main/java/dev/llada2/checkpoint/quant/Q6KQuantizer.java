package dev.llada2.checkpoint.quant;

import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.TensorReader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q6_K ({@code block_q6_K}, 210 bytes per 256 values): 128 bytes {@code ql} (low 4 bits), 64 bytes
 * {@code qh} (high 2 bits), 16 int8 sub-block scales, fp16 {@code d}. Element {@code i} belongs to
 * sub-block {@code i / 16} and decodes to {@code (d·scale[i/16])·(q − 32)} with {@code q} in 0..63.
 *
 * <p>Within each half {@code h} (elements {@code 128h ..}), for {@code l} in 0..31 the elements
 * {@code l, l+32, l+64, l+96} share: low nibbles in {@code ql[64h + l]} (l and l+64) and
 * {@code ql[64h + 32 + l]} (l+32 and l+96), high bit pairs in {@code qh[32h + l]} (bits 0-1, 2-3, 4-5,
 * 6-7 in that order).
 *
 * <p>Per sub-block a signed scale is searched (candidate steps map the largest magnitude near −32,
 * the fuller end of the range; a least-squares fit refines each), the sixteen scales are stored as
 * int8 multiples of {@code d = (the scale of largest magnitude) / −128}, and every element takes the
 * nearest value of its sub-block's final grid.
 */
public final class Q6KQuantizer implements BlockQuantizer {

    private static final int BLOCK = 256;
    private static final int SUB = 16;
    private static final int QH_OFFSET = 128;
    private static final int SCALES_OFFSET = 192;
    private static final int D_OFFSET = 208;

    static final Q6KQuantizer INSTANCE = new Q6KQuantizer();

    private Q6KQuantizer() {
    }

    @Override
    public DType type() {
        return DType.Q6_K;
    }

    @Override
    public void block(float[] x, int off, MemorySegment out, long at) {
        float[] scale = new float[16];
        float extreme = 0;
        for (int j = 0; j < 16; j++) {
            scale[j] = fitSubBlock(x, off + j * SUB);
            if (Math.abs(scale[j]) > Math.abs(extreme)) {
                extreme = scale[j];
            }
        }
        short dHalf = BlockQuantizer.toHalf(extreme / -128f);
        float d = Float.float16ToFloat(dHalf);
        int[] sc = new int[16];
        for (int j = 0; j < 16; j++) {
            sc[j] = d != 0 ? Q4KQuantizer.clamp(Math.round(scale[j] / d), -128, 127) : 0;
        }
        int[] q = new int[BLOCK];
        for (int i = 0; i < BLOCK; i++) {
            q[i] = nearest(x[off + i], d * sc[i / SUB]) + 32;
        }
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int base = 128 * h + l;
                int q1 = q[base];
                int q2 = q[base + 32];
                int q3 = q[base + 64];
                int q4 = q[base + 96];
                out.set(ValueLayout.JAVA_BYTE, at + 64L * h + l, (byte) ((q1 & 0xF) | (q3 & 0xF) << 4));
                out.set(ValueLayout.JAVA_BYTE, at + 64L * h + 32 + l, (byte) ((q2 & 0xF) | (q4 & 0xF) << 4));
                out.set(ValueLayout.JAVA_BYTE, at + QH_OFFSET + 32L * h + l,
                        (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6));
            }
        }
        for (int j = 0; j < 16; j++) {
            out.set(ValueLayout.JAVA_BYTE, at + SCALES_OFFSET + j, (byte) sc[j]);
        }
        out.set(TensorReader.SHORT_LE, at + D_OFFSET, dHalf);
    }

    /** The value in −32..31 whose decoded {@code step·q} is nearest to {@code v}. */
    private static int nearest(float v, float step) {
        if (step == 0) {
            return 0;
        }
        int q = Q4KQuantizer.clamp(Math.round(v / step), -32, 31);
        int best = q;
        float bestErr = Math.abs(v - step * q);
        for (int c = Math.max(-32, q - 1); c <= Math.min(31, q + 1); c++) {
            float err = Math.abs(v - step * c);
            if (err < bestErr) {
                best = c;
                bestErr = err;
            }
        }
        return best;
    }

    /**
     * The signed scale s with x ~ s·q, q in −32..31, for the 16 values at {@code off}: each candidate
     * step assigns the codes, the least-squares scale for them is {@code sum qx / sum qq} and its
     * squared error {@code sum xx − (sum qx)^2 / sum qq}.
     */
    private static float fitSubBlock(float[] x, int off) {
        float extreme = 0;
        double sxx = 0;
        for (int i = 0; i < SUB; i++) {
            float v = x[off + i];
            if (Math.abs(v) > Math.abs(extreme)) {
                extreme = v;
            }
            sxx += (double) v * v;
        }
        if (extreme == 0) {
            return 0;
        }
        float best = extreme / -32f;
        double bestErr = Double.POSITIVE_INFINITY;
        for (int t = 0; t <= 20; t++) {
            float inverse = -(31f + 0.1f * t) / extreme;
            double sqx = 0, sqq = 0;
            for (int i = 0; i < SUB; i++) {
                int q = Q4KQuantizer.clamp(Math.round(inverse * x[off + i]), -32, 31);
                sqx += q * (double) x[off + i];
                sqq += q * q;
            }
            if (sqq > 0 && sxx - sqx * sqx / sqq < bestErr) {
                bestErr = sxx - sqx * sqx / sqq;
                best = (float) (sqx / sqq);
            }
        }
        return best;
    }
}
