package dev.llada2.backend.cpu.format;

import dev.llada2.checkpoint.TensorReader;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Shared by the llama.cpp block formats: one vector of the preferred float species holds
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

    /** {@code lanes()} bytes at byte offset {@code at}. */
    static ByteVector bytes(MemorySegment data, long at) {
        return ByteVector.fromMemorySegment(B, data, at, ByteOrder.LITTLE_ENDIAN);
    }

    /** Byte lanes (values -128..127) widened to fp32 exactly. */
    static FloatVector widen(ByteVector b) {
        return (FloatVector) b.convertShape(VectorOperators.B2F, F, 0);
    }

    /** {@code lanes()} bytes at byte offset {@code at}, sign-extended to int lanes (mask them to read codes). */
    static IntVector ints(MemorySegment data, long at) {
        return (IntVector) bytes(data, at).convertShape(VectorOperators.B2I, I, 0);
    }

    /** Int lanes (small codes) converted to fp32 exactly. */
    static FloatVector widen(IntVector v) {
        return (FloatVector) v.convertShape(VectorOperators.I2F, F, 0);
    }

    /** An fp16 scale stored little-endian at byte offset {@code at}. */
    static float half(MemorySegment data, long at) {
        return Float.float16ToFloat(data.get(TensorReader.SHORT_LE, at));
    }

    static byte byteAt(MemorySegment data, long at) {
        return data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at);
    }
}
