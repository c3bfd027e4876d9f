package dev.llada2.checkpoint.quant;

import dev.llada2.checkpoint.DType;

import java.lang.foreign.MemorySegment;

/**
 * Turns fp32 values into the blocks of one llama.cpp block format, for writing GGUF files. Every
 * quantizer here picks, for each element, the value of its block's grid nearest to it once the
 * block's scales are fixed, so the only freedom is the choice of scales (searched per sub-block to
 * minimise the squared error). Decoding is not here: each compute backend decodes in its own kernels
 * (for the CPU, {@code backend.cpu.format}) and the tests check them against an independent scalar
 * decoder.
 */
public sealed interface BlockQuantizer permits Q8_0Quantizer, Q4KQuantizer, Q6KQuantizer {

    /** The format written. */
    DType type();

    /**
     * Quantizes {@code count} values (whole blocks) from {@code x[xOff..]} into {@code out} at byte
     * offset {@code outOff}.
     *
     * @throws IllegalArgumentException when a value is not finite (the message names its index)
     */
    default void quantize(float[] x, int xOff, int count, MemorySegment out, long outOff) {
        requireFinite(x, xOff, xOff + count);
        int size = type().blockSize();
        for (int b = 0; b < count / size; b++) {
            block(x, xOff + b * size, out, outOff + (long) b * type().blockBytes());
        }
    }

    /** One block: {@code blockSize} values at {@code x[off..]} into the block's bytes at {@code at}. */
    void block(float[] x, int off, MemorySegment out, long at);

    static BlockQuantizer of(DType type) {
        return switch (type) {
            case Q8_0 -> Q8_0Quantizer.INSTANCE;
            case Q4_K -> Q4KQuantizer.INSTANCE;
            case Q6_K -> Q6KQuantizer.INSTANCE;
            default -> throw new IllegalArgumentException(type + " is not a block format this engine writes");
        };
    }

    /** Fails on NaN or infinity: no block format can represent them, and a scale would absorb them silently. */
    static void requireFinite(float[] x, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Float.isFinite(x[i])) {
                throw new IllegalArgumentException("value " + x[i] + " at element " + i + " is not finite");
            }
        }
    }

    /** fp16 bits of {@code v}, rounded to nearest even; values beyond fp16's range saturate to +-65504. */
    static short toHalf(float v) {
        float clamped = Math.max(-65504f, Math.min(65504f, v));
        return Float.floatToFloat16(clamped);
    }
}
