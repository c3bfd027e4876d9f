package dev.llada2.checkpoint;

import dev.llada2.errors.LladaException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Element access to little-endian tensor bytes, widening floating types to fp32. */
public final class TensorReader {

    public static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TensorReader() {
    }

    /** bf16 is the upper half of an fp32: widening is exact. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** Element {@code i} of a BF16/F16/F32 tensor as fp32. */
    public static float floatAt(DType dtype, MemorySegment data, long i) {
        return switch (dtype) {
            case BF16 -> bf16ToFloat(data.get(SHORT_LE, 2 * i));
            case F16 -> Float.float16ToFloat(data.get(SHORT_LE, 2 * i));
            case F32 -> data.get(FLOAT_LE, 4 * i);
            default -> throw LladaException.input("cannot read " + dtype + " as floating point");
        };
    }

    public static float[] toFloats(DType dtype, MemorySegment data, int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = floatAt(dtype, data, i);
        }
        return out;
    }

    public static float[] toFloats(TensorInfo t) {
        return toFloats(t.dtype(), t.data(), Math.toIntExact(t.elementCount()));
    }

    /** An I32 or I64 tensor as ints (I64 values must fit). */
    public static int[] toInts(TensorInfo t) {
        int n = Math.toIntExact(t.elementCount());
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (t.dtype()) {
                case I32 -> t.data().get(INT_LE, 4L * i);
                case I64 -> Math.toIntExact(t.data().get(LONG_LE, 8L * i));
                default -> throw LladaException.input(t.name() + ": expected I32 or I64, found " + t.dtype());
            };
        }
        return out;
    }
}
