package dev.llada2.backend.cpu.format;

import dev.llada2.checkpoint.TensorReader;

import java.lang.foreign.MemorySegment;

/** fp32 weights: a copy. */
final class F32Cpu implements CpuWeightFormat {

    static final F32Cpu INSTANCE = new F32Cpu();

    private F32Cpu() {
    }

    @Override
    public void decode(MemorySegment data, long first, int count, float[] dst, int dstOff) {
        MemorySegment.copy(data, TensorReader.FLOAT_LE, first * 4, dst, dstOff, count);
    }
}
