package dev.llada2.tornado.format;

import dev.llada2.checkpoint.DType;
import dev.llada2.errors.LladaException;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * The one place where weights stored on the device are widened to fp32, inside kernels.
 *
 * <p><b>Why integer arithmetic.</b> TornadoVM 5.2's OpenCL code generator implements neither
 * {@code Float.intBitsToFloat} nor {@code BFloat16.bf16ToFloat}, so the usual "shift bf16 bits left
 * by 16 and reinterpret" cannot be written in a kernel. Every weight is therefore kept on the device
 * as raw 16-bit words in a {@link ShortArray} (the checkpoint's bytes, copied unchanged) and widened
 * with integer operations plus one multiplication by an exact power of two from a small table
 * ({@link #scaleTable()}, 544 floats, uploaded once):
 *
 * <pre>
 *   word w (signed short, as Java reads it)
 *   magnitude bits  a = w &lt; 0 ? w + 32768 : w          (drops the sign bit without masking:
 *                                                      '&amp; 0x7FFF' would make the OpenCL type unsigned)
 *   BF16:  e = a &gt;&gt; 7,  m = a - (e &lt;&lt; 7)               (8-bit exponent, 7-bit mantissa)
 *          |x| = (e == 0 ? m : 128 + m) * 2^(max(e,1) - 134)
 *   F16:   e = a &gt;&gt; 10, m = a - (e &lt;&lt; 10)              (5-bit exponent, 10-bit mantissa)
 *          |x| = (e == 0 ? m : 1024 + m) * 2^(max(e,1) - 25)
 *   F32:   two words per element, low half first (little endian); the high word gives e and the top
 *          7 mantissa bits, the low word (made non-negative by adding 65536) the other 16:
 *          |x| = ((e == 0 ? 0 : 2^23) + m7 * 65536 + low) * 2^(max(e,1) - 150)
 *   x = w &lt; 0 ? -|x| : |x|
 * </pre>
 *
 * The integer significand is below 2^24, so it converts to float exactly, and multiplying by a
 * power of two is exact: every finite value (subnormals included) decodes bit-exactly. The only
 * inexact patterns are the all-ones exponent (infinities and NaNs), which decode to a large finite
 * value or infinity instead of NaN; checkpoints do not contain them. Exhaustively checked against
 * {@code Float.intBitsToFloat}/{@code Float.float16ToFloat} by {@code WeightDecodeTest}.
 *
 * <p>The format code is a kernel scalar, constant-folded by TornadoVM when the graph is compiled,
 * so each compiled kernel keeps only its own branch.
 */
public final class WeightDecode {

    /** Format code: one 16-bit word per element, bfloat16. */
    public static final int BF16 = 1;
    /** Format code: one 16-bit word per element, IEEE half. */
    public static final int F16 = 2;
    /** Format code: two 16-bit words per element, IEEE single. */
    public static final int F32 = 3;

    private static final int F16_SCALES = 256;
    private static final int F32_SCALES = 288;
    /** Entries of {@link #scaleTable()}: 256 for BF16 exponents, 32 for F16, 256 for F32. */
    public static final int SCALE_TABLE_SIZE = 544;

    private WeightDecode() {
    }

    /**
     * Element {@code i} of a weight buffer as fp32 (kernel code).
     *
     * @param format one of {@link #BF16}, {@link #F16}, {@link #F32}
     * @param scale  the table of {@link #scaleTable()}
     */
    public static float element(ShortArray w, int i, int format, FloatArray scale) {
        float value;
        if (format == F32) {
            value = f32(w.get(2 * i), w.get(2 * i + 1), scale);
        } else if (format == F16) {
            value = f16(w.get(i), scale);
        } else {
            value = bf16(w.get(i), scale);
        }
        return value;
    }

    /** A bfloat16 word as fp32 (see the class comment). */
    public static float bf16(int word, FloatArray scale) {
        int a = word < 0 ? word + 32768 : word;
        int e = a >> 7;
        int m = a - (e << 7);
        int lead = e == 0 ? 0 : 128;
        float magnitude = (float) (lead + m) * scale.get(e);
        return word < 0 ? -magnitude : magnitude;
    }

    /** An IEEE half word as fp32 (see the class comment). */
    public static float f16(int word, FloatArray scale) {
        int a = word < 0 ? word + 32768 : word;
        int e = a >> 10;
        int m = a - (e << 10);
        int lead = e == 0 ? 0 : 1024;
        float magnitude = (float) (lead + m) * scale.get(F16_SCALES + e);
        return word < 0 ? -magnitude : magnitude;
    }

    /** An IEEE single given as its low and high 16-bit words (see the class comment). */
    public static float f32(int lowWord, int highWord, FloatArray scale) {
        int low = lowWord < 0 ? lowWord + 65536 : lowWord;
        int a = highWord < 0 ? highWord + 32768 : highWord;
        int e = a >> 7;
        int m = a - (e << 7);
        int lead = e == 0 ? 0 : 8388608;
        float magnitude = (float) (lead + m * 65536 + low) * scale.get(F32_SCALES + e);
        return highWord < 0 ? -magnitude : magnitude;
    }

    /** The powers of two the decoders multiply by (host code; uploaded once per device). */
    public static FloatArray scaleTable() {
        FloatArray t = new FloatArray(SCALE_TABLE_SIZE);
        for (int e = 0; e < 256; e++) {
            t.set(e, (float) Math.scalb(1.0, Math.max(e, 1) - 134));
            t.set(F32_SCALES + e, (float) Math.scalb(1.0, Math.max(e, 1) - 150));
        }
        for (int e = 0; e < 32; e++) {
            t.set(F16_SCALES + e, (float) Math.scalb(1.0, Math.max(e, 1) - 25));
        }
        return t;
    }

    /** The format code of a checkpoint dtype, or a clear error for one the backend cannot compute with. */
    public static int formatOf(DType dtype, String tensor) {
        return switch (dtype) {
            case BF16 -> BF16;
            case F16 -> F16;
            case F32 -> F32;
            default -> throw LladaException.input(tensor + ": the TornadoVM backend computes with BF16, F16 or F32"
                    + " weights, not " + dtype);
        };
    }
}
