package dev.llada2.backend.cpu.format;

import dev.llada2.checkpoint.TensorReader;

import java.lang.foreign.MemorySegment;

/** IEEE fp16 weights, widened with {@link Float#float16ToFloat} (exact). */
final class F16Cpu implements CpuWeightFormat {

    static final F16Cpu INSTANCE = new F16Cpu();

    private F16Cpu() {
    }

    @Override
    public void decode(MemorySegment data, long first, int count, float[] dst, int dstOff) {
        long base = first * 2;
        for (int i = 0; i < count; i++) {
            dst[dstOff + i] = Float.float16ToFloat(data.get(TensorReader.SHORT_LE, base + 2L * i));
        }
    }
}
