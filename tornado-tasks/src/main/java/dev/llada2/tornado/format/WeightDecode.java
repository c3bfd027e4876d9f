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
 * <p><b>llama.cpp block formats</b> (Q8_0, Q4_K, Q6_K) stay on the device as the checkpoint's
 * blocks, byte for byte, in the same {@link ShortArray} (every block is a whole number of 16-bit
 * words: 34, 144 and 210 bytes), so a quantized tensor takes exactly its file size on the device.
 * Element {@code i} of a buffer is element {@code i % B} of block {@code i / B} ({@code B} = 32 or 256
 * elements per block); bytes are cut from words with shifts ({@link #signedByte}), the fp16 block
 * scales go through {@link #f16}, and the element is formed with the same fp32 operations in the same
 * order as the CPU engine's decoders ({@code backend.cpu.format}), so both give the same bits
 * ({@link #block}):
 *
 * <pre>
 *   Q8_0: q·d                                 (q int8, d fp16)
 *   Q4_K: d·sc[j]·q − dmin·m[j]               (q 4 bits, sc/m 6-bit sub-block scale and min, j = (i % 256) / 32)
 *   Q6_K: d·sc[(i % 256) / 16]·(q − 32)       (q 6 bits from ql and qh, sc int8)
 * </pre>
 *
 * Checked bit for bit against the CPU decoders on random blocks in Java ({@code WeightDecodeCheck})
 * and on the device through the embedding gather ({@code QuantizedKernelChecks}), both self-test rows.
 * {@link #element} decodes the block header for every element (the embedding gather uses it); the
 * matmul, SwiGLU and expert kernels take a row in runs of {@link #runLength} elements, decode
 * {@code d·s} and {@code dmin·m} once per run and then only the code ({@link #code}). Pre-decoded
 * scales in another layout would not be the file's bytes.
 *
 * Kernels whose threads own rows read the weights k-major ({@link #kMajorIndex}): for a block format
 * whole blocks are rearranged, not elements ({@code DeviceMatrix.kMajor}).
 *
 * <p>The format code is a kernel scalar, constant-folded by TornadoVM when the graph is compiled,
 * so each compiled kernel keeps only its own branch. TornadoVM inlines every helper a kernel calls
 * and refuses one whose graph exceeds 600 nodes before that folding, which is why {@link #element}
 * with all six decoders stays compact.
 */
public final class WeightDecode {

    /** Format code: one 16-bit word per element, bfloat16. */
    public static final int BF16 = 1;
    /** Format code: one 16-bit word per element, IEEE half. */
    public static final int F16 = 2;
    /** Format code: two 16-bit words per element, IEEE single. */
    public static final int F32 = 3;
    /** Format code: llama.cpp {@code block_q8_0}, 32 elements in 17 words. */
    public static final int Q8_0 = 4;
    /** Format code: llama.cpp {@code block_q4_K}, 256 elements in 72 words. */
    public static final int Q4_K = 5;
    /** Format code: llama.cpp {@code block_q6_K}, 256 elements in 105 words. */
    public static final int Q6_K = 6;

    private static final int F16_SCALES = 256;
    private static final int F32_SCALES = 288;
    /** Entries of {@link #scaleTable()}: 256 for BF16 exponents, 32 for F16, 256 for F32. */
    public static final int SCALE_TABLE_SIZE = 544;

    private WeightDecode() {
    }

    /**
     * Element {@code i} of a weight buffer as fp32 (kernel code).
     *
     * @param format one of the format codes of this class
     * @param scale  the table of {@link #scaleTable()}
     */
    public static float element(ShortArray w, int i, int format, FloatArray scale) {
        float value;
        if (format >= Q8_0) {
            value = block(w, i, format, scale);
        } else if (format == F32) {
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

    /**
     * Where element {@code (row, k)} of a part of {@code partRows} rows sits in the k-major layout
     * of {@code DeviceMatrix.kMajor}: {@code k * partRows + row} for the per-element formats; for a
     * block format, block {@code (row, k / B)} is block number {@code (k / B) * partRows + row}.
     */
    public static int kMajorIndex(int k, int partRows, int row, int format) {
        int block = blockElements(format);
        int index;
        if (block == 1) {
            index = k * partRows + row;
        } else {
            int kb = k / block;
            index = (kb * partRows + row) * block + k - kb * block;
        }
        return index;
    }

    /** Elements per block of a format code: 1 for BF16/F16/F32, 32 for Q8_0, 256 for the K formats. */
    public static int blockElements(int format) {
        int elements = 1;
        if (format == Q8_0) {
            elements = 32;
        } else if (format == Q4_K || format == Q6_K) {
            elements = 256;
        }
        return elements;
    }

    /** 16-bit words that hold {@code elements} elements (whole blocks for a block format; kernel code). */
    public static int words(int elements, int format) {
        return elements / blockElements(format) * blockWords(format);
    }

    /** 16-bit words per block of a format code (per element for BF16/F16/F32). */
    public static int blockWords(int format) {
        int words = 1;
        if (format == F32) {
            words = 2;
        } else if (format == Q8_0) {
            words = 17;
        } else if (format == Q4_K) {
            words = 72;
        } else if (format == Q6_K) {
            words = 105;
        }
        return words;
    }

    /**
     * Element {@code i} of a buffer of llama.cpp blocks (see the class comment). The three formats
     * share the final arithmetic {@code (d·s)·q − dmin·m} ({@link #runScale}, {@link #code},
     * {@link #runOffset}): Q8_0 has {@code s = 1} and Q6_K {@code q = code − 32}, both with
     * {@code dmin·m = +0} ({@code x − (+0) = x} and {@code d·1 = d} exactly), so each gives the bits of
     * its CPU decoder. The block position is computed once and the bytes are read unconditionally
     * (selects rather than branches): {@link #element} with every format sits just under TornadoVM's
     * inlining limit of 600 graph nodes.
     * <ul>
     *   <li>Q8_0: {@code q} is the int8 at byte {@code 2 + o} of the block.
     *   <li>Q4_K: sub-block {@code j = o / 32}; 4-bit {@code q} from the low (even j) or high (odd j)
     *       nibbles of the 32 bytes at {@code 16 + 32·(j / 2)}; 6-bit scale {@code s} and min
     *       {@code m} from the 12 bytes at offset 4 (llama.cpp's {@code get_scale_min_k4}): for
     *       j &lt; 4 the low 6 bits of bytes {@code j} and {@code j + 4}; above, a nibble of byte
     *       {@code j + 4} with the top 2 bits of bytes {@code j − 4} (scale) and {@code j} (min).
     *   <li>Q6_K: half {@code h = o / 128}, quarter {@code k = o % 128 / 32}, lane {@code l = o % 32}:
     *       the low 4 bits of the code are a nibble of {@code ql[64h + 32(k % 2) + l]} (low for
     *       k &lt; 2), the high 2 bits are bits {@code 2k, 2k+1} of {@code qh[32h + l]}; {@code s} is the
     *       int8 {@code scales[o / 16]}, {@code d} the last word of the block.
     * </ul>
     */
    public static float block(ShortArray w, int i, int format, FloatArray scale) {
        int at = blockAt(i, format);
        int o = inBlock(i, format);
        return runScale(w, at, o, format, scale) * (float) code(w, at, o, format) - runOffset(w, at, o, format, scale);
    }

    /** Byte offset of the block holding block-format element {@code i}. */
    public static int blockAt(int i, int format) {
        int b = format == Q8_0 ? i >> 5 : i >> 8;
        return 2 * b * (format == Q8_0 ? 17 : format == Q4_K ? 72 : 105);
    }

    /** Index of block-format element {@code i} inside its block. */
    public static int inBlock(int i, int format) {
        int shift = format == Q8_0 ? 5 : 8;
        return i - ((i >> shift) << shift);
    }

    /**
     * Elements that share {@link #runScale} and {@link #runOffset}: 1 for the word formats, 32 for
     * Q8_0 (a block) and Q4_K (a sub-block), 16 for Q6_K (one int8 scale). A kernel that walks a row
     * in order decodes the pair once per run and then only {@link #code} per element, with the same
     * bits as {@link #element}: {@code runScale · code − runOffset} is the decoders' own expression.
     */
    public static int runLength(int format) {
        int run = 1;
        if (format == Q8_0 || format == Q4_K) {
            run = 32;
        } else if (format == Q6_K) {
            run = 16;
        }
        return run;
    }

    /** {@code d·s} of the run holding element {@code o} of the block at byte {@code at} ({@code d} for Q8_0). */
    public static float runScale(ShortArray w, int at, int o, int format, FloatArray scale) {
        int s = 1;
        if (format == Q4_K) {
            int j = o >> 5;
            int low4 = j < 4 ? 0 : 1;
            int packed = unsignedByte(w, at + 4 + j + 4 * low4);
            int top = unsignedByte(w, at + j) >> 6;
            s = low4 == 0 ? low(packed, 6) : low(packed, 4) + (top << 4);
        } else if (format == Q6_K) {
            s = signedByte(w, at + 192 + (o >> 4));
        }
        return f16(w.get((at >> 1) + (format == Q6_K ? 104 : 0)), scale) * (float) s;
    }

    /** {@code dmin·m} of the Q4_K sub-block holding element {@code o}; +0 for the other formats. */
    public static float runOffset(ShortArray w, int at, int o, int format, FloatArray scale) {
        float offset = 0f;
        if (format == Q4_K) {
            int j = o >> 5;
            int packed = unsignedByte(w, at + 8 + j);
            int top = unsignedByte(w, at + 4 + j) >> 6;
            int m = j < 4 ? low(packed, 6) : (packed >> 4) + (top << 4);
            offset = f16(w.get((at >> 1) + 1), scale) * (float) m;
        }
        return offset;
    }

    /** The integer code of element {@code o} of a block: int8 (Q8_0), 4 bits (Q4_K), 6 bits − 32 (Q6_K). */
    public static int code(ShortArray w, int at, int o, int format) {
        int q;
        if (format == Q8_0) {
            q = signedByte(w, at + 2 + o);
        } else if (format == Q4_K) {
            int j = o >> 5;
            q = low(unsignedByte(w, at + 16 + 32 * (j >> 1) + o - (j << 5)) >> ((j - ((j >> 1) << 1)) << 2), 4);
        } else {
            int h = o >> 7;
            int k = (o >> 5) - (h << 2);
            int l = o - ((o >> 5) << 5);
            int ql = unsignedByte(w, at + 64 * h + 32 * (k - ((k >> 1) << 1)) + l) >> ((k >> 1) << 2);
            int qh = unsignedByte(w, at + 128 + 32 * h + l) >> (2 * k);
            q = low(ql, 4) + (low(qh, 2) << 4) - 32;
        }
        return q;
    }

    /** Byte {@code p} of a buffer of little-endian words, as a signed byte (shifted to the top and back). */
    public static int signedByte(ShortArray w, int p) {
        return (wordShifted(w, p) << 24) >> 24;
    }

    /** Byte {@code p} as 0..255 (without masking: see the class comment on unsigned types). */
    private static int unsignedByte(ShortArray w, int p) {
        return low(wordShifted(w, p), 8);
    }

    /** The word holding byte {@code p}, shifted right so that the byte is its lowest 8 bits. */
    private static int wordShifted(ShortArray w, int p) {
        int half = p >> 1;
        return w.get(half) >> ((p - (half << 1)) << 3);
    }

    /** The low {@code bits} bits of {@code v}, as a non-negative int, by subtraction rather than a mask. */
    private static int low(int v, int bits) {
        return v - ((v >> bits) << bits);
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
            case Q8_0 -> Q8_0;
            case Q4_K -> Q4_K;
            case Q6_K -> Q6_K;
            default -> throw LladaException.input(tensor + ": the TornadoVM backend computes with BF16, F16, F32,"
                    + " Q8_0, Q4_K or Q6_K weights, not " + dtype);
        };
    }
}
