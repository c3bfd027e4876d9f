package dev.llada2.tornado.selftest;

import dev.llada2.backend.KernelCheck;
import dev.llada2.tornado.format.WeightDecode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * The integer-arithmetic decoders of {@link WeightDecode}, run as plain Java over every finite
 * 16-bit pattern (BF16, F16) and a sweep of F32 patterns, against the JDK's bit reinterpretation.
 * The same methods run inside the kernels; the matmul checks cover them on the device.
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

    private static boolean same(float want, float got) {
        return Float.floatToRawIntBits(want) == Float.floatToRawIntBits(got);
    }
}
