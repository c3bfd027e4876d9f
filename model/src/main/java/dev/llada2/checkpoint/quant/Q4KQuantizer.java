package dev.llada2.checkpoint.quant;

import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.TensorReader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_K ({@code block_q4_K}, 144 bytes per 256 values): fp16 {@code d}, fp16 {@code dmin}, 12 bytes
 * holding eight 6-bit sub-block scales {@code sc} and mins {@code m} ({@link #packScales}), then 128
 * bytes of 4-bit {@code q}. Element {@code i} belongs to sub-block {@code j = i / 32} and decodes to
 * {@code (d·sc[j])·q − (dmin·m[j])}, each product rounded to fp32 before the subtraction.
 *
 * <p>Byte {@code l} of the 32-byte chunk {@code c} (c = 0..3) holds element {@code 64c + l} in its
 * low nibble and element {@code 64c + 32 + l} in its high nibble.
 *
 * <p>Per sub-block the scale and min are searched: candidate step sizes around
 * {@code (max − min(0, min)) / 15} assign the 4-bit values, a least-squares fit gives the scale and
 * min for that assignment, and the fit with the smallest squared error wins. The eight scales and
 * eight mins are then stored as 6-bit multiples of {@code d = max sc / 63} and
 * {@code dmin = max m / 63}, and every element takes the nearest value of its sub-block's final grid.
 */
public final class Q4KQuantizer implements BlockQuantizer {

    private static final int BLOCK = 256;
    private static final int SUB = 32;
    private static final int SCALES_OFFSET = 4;
    private static final int QS_OFFSET = 16;

    static final Q4KQuantizer INSTANCE = new Q4KQuantizer();

    private Q4KQuantizer() {
    }

    @Override
    public DType type() {
        return DType.Q4_K;
    }

    @Override
    public void block(float[] x, int off, MemorySegment out, long at) {
        float[] scale = new float[8];
        float[] min = new float[8];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float[] fit = fitSubBlock(x, off + j * SUB);
            scale[j] = fit[0];
            min[j] = fit[1];
            maxScale = Math.max(maxScale, scale[j]);
            maxMin = Math.max(maxMin, min[j]);
        }
        short dHalf = BlockQuantizer.toHalf(maxScale / 63f);
        short dminHalf = BlockQuantizer.toHalf(maxMin / 63f);
        float d = Float.float16ToFloat(dHalf);
        float dmin = Float.float16ToFloat(dminHalf);
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int j = 0; j < 8; j++) {
            sc[j] = d > 0 ? clamp(Math.round(scale[j] / d), 0, 63) : 0;
            m[j] = dmin > 0 ? clamp(Math.round(min[j] / dmin), 0, 63) : 0;
        }
        out.set(TensorReader.SHORT_LE, at, dHalf);
        out.set(TensorReader.SHORT_LE, at + 2, dminHalf);
        byte[] packed = packScales(sc, m);
        MemorySegment.copy(packed, 0, out, ValueLayout.JAVA_BYTE, at + SCALES_OFFSET, packed.length);
        int[] q = new int[BLOCK];
        for (int i = 0; i < BLOCK; i++) {
            int j = i / SUB;
            q[i] = nearest(x[off + i], d * sc[j], dmin * m[j]);
        }
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                int lo = q[64 * c + l];
                int hi = q[64 * c + 32 + l];
                out.set(ValueLayout.JAVA_BYTE, at + QS_OFFSET + 32L * c + l, (byte) (lo | hi << 4));
            }
        }
    }

    /** The 4-bit value whose decoded {@code step·q − offset} is nearest to {@code v}. */
    private static int nearest(float v, float step, float offset) {
        if (step <= 0) {
            return 0;
        }
        int q = clamp(Math.round((v + offset) / step), 0, 15);
        int best = q;
        float bestErr = Math.abs(v - (step * q - offset));
        for (int c = Math.max(0, q - 1); c <= Math.min(15, q + 1); c++) {
            float err = Math.abs(v - (step * c - offset));
            if (err < bestErr) {
                best = c;
                bestErr = err;
            }
        }
        return best;
    }

    /**
     * {scale >= 0, min >= 0} with x ~ scale·q − min, q in 0..15, for the 32 values at {@code off}.
     * Each candidate step assigns the codes; the least-squares scale and offset for those codes
     * (offset pinned at 0 when it would be positive, since the format's min is never above zero)
     * and their squared error follow from five sums in closed form.
     */
    private static float[] fitSubBlock(float[] x, int off) {
        float lo = 0;
        float hi = x[off];
        double sx = 0;
        double sxx = 0;
        for (int i = 0; i < SUB; i++) {
            float v = x[off + i];
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
            sx += v;
            sxx += (double) v * v;
        }
        if (hi <= lo) {
            return new float[] {0, -lo};
        }
        float bestScale = (hi - lo) / 15;
        float bestMin = -lo;
        double bestErr = Double.POSITIVE_INFINITY;
        for (int t = 0; t <= 20; t++) {
            float inverse = (14f + 0.1f * t) / (hi - lo);
            double sq = 0, sqq = 0, sqx = 0;
            for (int i = 0; i < SUB; i++) {
                int q = clamp(Math.round(inverse * (x[off + i] - lo)), 0, 15);
                sq += q;
                sqq += q * q;
                sqx += q * (double) x[off + i];
            }
            double det = SUB * sqq - sq * sq;
            if (det <= 0) {
                continue;
            }
            double scale = (SUB * sqx - sq * sx) / det;
            double offset = (sqq * sx - sq * sqx) / det;
            if (offset > 0) {
                offset = 0;
                scale = sqx / sqq;
            }
            if (scale <= 0) {
                continue;
            }
            double err = scale * scale * sqq + 2 * scale * offset * sq + SUB * offset * offset - 2 * scale * sqx
                    - 2 * offset * sx + sxx;
            if (err < bestErr) {
                bestErr = err;
                bestScale = (float) scale;
                bestMin = (float) -offset;
            }
        }
        return new float[] {bestScale, bestMin};
    }

    /**
     * llama.cpp's 12-byte packing of eight 6-bit scales and mins: bytes 0..3 hold sc[0..3] in their
     * low 6 bits and the top 2 bits of sc[4..7]; bytes 4..7 the same for the mins; bytes 8..11 hold
     * the low 4 bits of sc[4..7] (low nibble) and of m[4..7] (high nibble).
     */
    private static byte[] packScales(int[] sc, int[] m) {
        byte[] p = new byte[12];
        for (int j = 0; j < 4; j++) {
            p[j] = (byte) (sc[j] | (sc[j + 4] >> 4) << 6);
            p[j + 4] = (byte) (m[j] | (m[j + 4] >> 4) << 6);
            p[j + 8] = (byte) ((sc[j + 4] & 0xF) | (m[j + 4] & 0xF) << 4);
        }
        return p;
    }

    static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
