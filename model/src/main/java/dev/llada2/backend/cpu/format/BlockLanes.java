package dev.llada2.backend.cpu.format;

import dev.llada2.checkpoint.TensorReader;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Shared by the llama.cpp block formats. Their decoders keep every vector inside one method: C2
 * boxes a vector that crosses a call it did not inline, and it declines to inline a helper that was
 * already compiled on its own into a large method; with a helper taking and returning vectors,
 * Q6_K decoding ran 300x slower and allocated gigabytes per head product (measured). So helpers
 * here return scalars only.
 *
 * <p>Layout: one vector of the preferred float species holds
 * {@code lanes()} consecutive elements, and their 8-bit (or packed 4/6-bit) codes are loaded as one
 * byte vector of the same lane count. Needs at least 8 float lanes (AVX2, AVX-512, SVE-256); on
 * narrower vectors (128-bit NEON) the formats decode with scalar code.
 */
final class BlockLanes {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Byte lanes matching {@link #F}'s lane count; null when the float vector has fewer than 8 lanes. */
    static final VectorSpecies<Byte> B = F.length() >= 8
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * 8)) : null;

    /** Int lanes matching {@link #F}: packed 4- and 6-bit codes are unpacked here, where x86 shifts lanes natively. */
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Where vector stores go: decoded floats in native byte order. */
    static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private BlockLanes() {
    }

    static int lanes() {
        return F.length();
    }

    static boolean vectorized() {
        return B != null;
    }

    /** An fp16 scale stored little-endian at byte offset {@code at}. */
    static float half(MemorySegment data, long at) {
        return Float.float16ToFloat(data.get(TensorReader.SHORT_LE, at));
    }

    static byte byteAt(MemorySegment data, long at) {
        return data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at);
    }
}
