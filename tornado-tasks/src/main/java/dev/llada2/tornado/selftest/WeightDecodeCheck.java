package dev.llada2.tornado.selftest;

import dev.llada2.backend.KernelCheck;
import dev.llada2.backend.cpu.format.CpuWeightFormat;
import dev.llada2.checkpoint.DType;
import dev.llada2.tornado.format.WeightDecode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

import java.util.SplittableRandom;

/**
 * The integer-arithmetic decoders of {@link WeightDecode}, run as plain Java over every finite
 * 16-bit pattern (BF16, F16) and a sweep of F32 patterns, against the JDK's bit reinterpretation.
 * The same methods run inside the kernels; the matmul checks cover them on the device. The block
 * formats are checked the same way on random bytes ({@link #blocks}).
 */
final class WeightDecodeCheck {

    private WeightDecodeCheck() {
    }

    static KernelCheck run() {
        FloatArray scale = WeightDecode.scaleTable();
        int mismatches = 0;
        int checked = 0;
        for (int bits = 0; bits < 65536; bits++) {
            short word = (short) bits;
            if (((bits >> 7) & 0xFF) != 0xFF) {
                checked++;
                mismatches += same(Float.intBitsToFloat(bits << 16), WeightDecode.bf16(word, scale)) ? 0 : 1;
            }
            if (((bits >> 10) & 0x1F) != 0x1F) {
                checked++;
                mismatches += same(Float.float16ToFloat(word), WeightDecode.f16(word, scale)) ? 0 : 1;
            }
        }
        for (long bits = 0; bits <= 0xFFFFFFFFL; bits += 65521) {
            int b = (int) bits;
            if (((b >>> 23) & 0xFF) != 0xFF) {
                checked++;
                short low = (short) b;
                short high = (short) (b >>> 16);
                mismatches += same(Float.intBitsToFloat(b), WeightDecode.f32(low, high, scale)) ? 0 : 1;
            }
        }
        return new KernelCheck("WeightDecode (BF16, F16, F32 host twins)", mismatches, 0, mismatches == 0,
                checked + " finite bit patterns decoded bit-exactly" + (mismatches == 0 ? "" : ", " + mismatches
                        + " differ"));
    }

    /**
     * {@link WeightDecode#block} as plain Java over blocks of random bytes (every scale, min and code
     * pattern the formats can hold, negative Q6_K scales and fp16 block scales of every exponent
     * included) against the CPU engine's decoder, element by element; elements the CPU decodes to an
     * infinity or NaN (an fp16 scale with the all-ones exponent, which quantizers never write) are
     * skipped. The gather rows of the self-test run the same decoder on the device.
     */
    static KernelCheck blocks() {
        SplittableRandom random = new SplittableRandom(20261205L);
        FloatArray scale = WeightDecode.scaleTable();
        int blocks = 2048;
        int mismatches = 0;
        int checked = 0;
        for (DType t : new DType[] {DType.Q8_0, DType.Q4_K, DType.Q6_K}) {
            int elements = blocks * t.blockSize();
            ShortArray words = new ShortArray((int) (t.bytesFor(elements) / 2));
            for (int i = 0; i < words.getSize(); i++) {
                words.set(i, (short) random.nextInt());
            }
            float[] want = new float[elements];
            CpuWeightFormat.of(t).decode(words.getSegment(), 0, elements, want, 0);
            int format = WeightDecode.formatOf(t, t.toString());
            for (int i = 0; i < elements; i++) {
                if (Float.isFinite(want[i])) {
                    checked++;
                    mismatches += same(want[i], WeightDecode.block(words, i, format, scale)) ? 0 : 1;
                }
            }
        }
        return new KernelCheck("WeightDecode.block (Q8_0, Q4_K, Q6_K host twins)", mismatches, 0, mismatches == 0,
                checked + " elements of random blocks decoded bit-exactly" + (mismatches == 0 ? "" : ", "
                        + mismatches + " differ"));
    }

    private static boolean same(float want, float got) {
        return Float.floatToRawIntBits(want) == Float.floatToRawIntBits(got);
    }
}
