package dev.llada2.checkpoint.quant;

import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.TensorReader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q8_0 ({@code block_q8_0}, 34 bytes per 32 values): fp16 scale {@code d}, then 32 int8 {@code q};
 * the value is {@code q·d}. The scale is {@code max|x| / 127} rounded to fp16, and each {@code q} is
 * {@code x / d} rounded with the fp16 scale actually stored, so every element is within {@code d/2}
 * of its value (llama.cpp rounds with the unrounded scale, which can exceed that by up to 127 fp16
 * ulps of {@code d}).
 */
public final class Q8_0Quantizer implements BlockQuantizer {

    private static final int BLOCK = 32;

    static final Q8_0Quantizer INSTANCE = new Q8_0Quantizer();

    private Q8_0Quantizer() {
    }

    @Override
    public DType type() {
        return DType.Q8_0;
    }

    @Override
    public void block(float[] x, int off, MemorySegment out, long at) {
        float amax = 0;
        for (int i = 0; i < BLOCK; i++) {
            amax = Math.max(amax, Math.abs(x[off + i]));
        }
        short half = BlockQuantizer.toHalf(amax / 127f);
        float d = Float.float16ToFloat(half);
        out.set(TensorReader.SHORT_LE, at, half);
        for (int i = 0; i < BLOCK; i++) {
            int q = d == 0 ? 0 : Math.round(x[off + i] / d);
            out.set(ValueLayout.JAVA_BYTE, at + 2 + i, (byte) Math.max(-127, Math.min(127, q)));
        }
    }
}
