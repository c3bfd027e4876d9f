package dev.llada2.backend.cpu.format;

import dev.llada2.checkpoint.TensorReader;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** BF16 weights: the upper 16 bits of an fp32, widened exactly by a 16-bit shift (Vector API). */
final class Bf16Cpu implements CpuWeightFormat {

    static final Bf16Cpu INSTANCE = new Bf16Cpu();

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class,
            VectorShape.forBitSize(F.vectorBitSize() / 2));

    private Bf16Cpu() {
    }

    @Override
    public void decode(MemorySegment data, long first, int count, float[] dst, int dstOff) {
        int lanes = F.length();
        int i = 0;
        long base = first * 2;
        for (; i <= count - lanes; i += lanes) {
            load(data, first + i).intoArray(dst, dstOff + i);
        }
        for (; i < count; i++) {
            dst[dstOff + i] = TensorReader.bf16ToFloat(data.get(TensorReader.SHORT_LE, base + 2L * i));
        }
    }

    @Override
    public int tileLanes() {
        return BF16_LANES;
    }

    /** Elements {@code [first, first + lanes)} widened exactly (inlined: one final class, one call site shape). */
    static FloatVector load(MemorySegment data, long first) {
        ShortVector s = ShortVector.fromMemorySegment(S, data, first * 2, ByteOrder.LITTLE_ENDIAN);
        IntVector widened = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
        return widened.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}
