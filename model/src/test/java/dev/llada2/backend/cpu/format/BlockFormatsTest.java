package dev.llada2.backend.cpu.format;

import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.quant.BlockQuantizer;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The CPU engine's decoders of Q8_0, Q4_K and Q6_K against {@link ScalarBlockDecoder} bit for bit
 * (arbitrary block bytes, every run and every vector offset), and the quantizers against their error
 * bounds: every element decodes to the grid value of its (sub-)block nearest to it, Q8_0 within
 * half its scale, and the relative RMS error of Gaussian data within each format's known range.
 */
class BlockFormatsTest {

    /** Blocks per test tensor: its whole run spans more than one staging step (4096 elements) of the {@code float[]} decode. */
    private static final int BLOCKS = 136;

    @Test
    void q8_0DecodesLikeTheScalarDefinition() {
        checkDecoder(DType.Q8_0, ScalarBlockDecoder::q8_0);
    }

    @Test
    void q4KDecodesLikeTheScalarDefinition() {
        checkDecoder(DType.Q4_K, ScalarBlockDecoder::q4K);
    }

    @Test
    void q6KDecodesLikeTheScalarDefinition() {
        checkDecoder(DType.Q6_K, ScalarBlockDecoder::q6K);
    }

    /**
     * Random bytes in every block (finite fp16 scales of varied size, both signs), decoded whole and in
     * runs of blocks.
     */
    private static void checkDecoder(DType type, Function<byte[], float[]> reference) {
        Random rnd = new Random(type.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate((long) BLOCKS * type.blockBytes());
            float[] expected = new float[BLOCKS * type.blockSize()];
            for (int b = 0; b < BLOCKS; b++) {
                byte[] block = new byte[type.blockBytes()];
                rnd.nextBytes(block);
                for (int at : halfOffsets(type)) {
                    short h = Float.floatToFloat16((float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(-12, 4))));
                    block[at] = (byte) h;
                    block[at + 1] = (byte) (h >> 8);
                }
                MemorySegment.copy(block, 0, data, ValueLayout.JAVA_BYTE, (long) b * block.length, block.length);
                System.arraycopy(reference.apply(block), 0, expected, b * type.blockSize(), type.blockSize());
            }
            CpuWeightFormat format = CpuWeightFormat.of(type);
            assertEquals(type.blockSize(), format.alignment());
            float[] all = new float[expected.length];
            format.decode(data, 0, all.length, all, 0);
            assertBits(expected, 0, all, 0, all.length, type + " whole run");
            // runs of 1..3 blocks at every block offset, into an offset destination
            for (int first = 0; first < BLOCKS; first++) {
                for (int n = 1; n <= 3 && first + n <= BLOCKS; n++) {
                    float[] dst = new float[n * type.blockSize() + 7];
                    format.decode(data, (long) first * type.blockSize(), n * type.blockSize(), dst, 7);
                    assertBits(expected, first * type.blockSize(), dst, 7, n * type.blockSize(),
                            type + " blocks " + first + ".." + (first + n));
                }
            }
        }
    }

    private static int[] halfOffsets(DType type) {
        return switch (type) {
            case Q8_0 -> new int[] {0};
            case Q4_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(type.name());
        };
    }

    private static void assertBits(float[] expected, int eOff, float[] actual, int aOff, int n, String what) {
        for (int i = 0; i < n; i++) {
            if (Float.floatToRawIntBits(expected[eOff + i]) != Float.floatToRawIntBits(actual[aOff + i])) {
                fail(what + ": element " + i + " is " + actual[aOff + i] + ", the scalar definition gives "
                        + expected[eOff + i]);
            }
        }
    }

    @Test
    void q8_0IsWithinHalfItsScale() {
        float[] x = gaussian(32 * 64, 1, 0.02);
        byte[] q = quantize(DType.Q8_0, x);
        for (int b = 0; b < 64; b++) {
            byte[] block = slice(q, b, DType.Q8_0);
            float d = ScalarBlockDecoder.half(block, 0);
            float[] y = ScalarBlockDecoder.q8_0(block);
            for (int i = 0; i < 32; i++) {
                double err = Math.abs(x[32 * b + i] - (double) y[i]);
                assertTrue(err <= d / 2 * (1 + 1e-6), "block " + b + " element " + i + ": error " + err
                        + " exceeds d/2 = " + d / 2);
            }
        }
        assertTrue(relativeRms(x, decodeAll(DType.Q8_0, q, ScalarBlockDecoder::q8_0)) < 0.01);
    }

    @Test
    void q4KElementsTakeTheNearestValueOfTheirSubBlock() {
        float[] x = gaussian(256 * 64, 2, 0.02);
        byte[] q = quantize(DType.Q4_K, x);
        for (int b = 0; b < 64; b++) {
            byte[] block = slice(q, b, DType.Q4_K);
            float[] y = ScalarBlockDecoder.q4K(block);
            int[] scales = new int[12];
            for (int i = 0; i < 12; i++) {
                scales[i] = block[4 + i] & 0xFF;
            }
            float d = ScalarBlockDecoder.half(block, 0);
            float dmin = ScalarBlockDecoder.half(block, 2);
            for (int i = 0; i < 256; i++) {
                int[] sm = ScalarBlockDecoder.scaleMinK4(i / 32, scales);
                float step = d * sm[0];
                float offset = dmin * sm[1];
                assertNearest(x[256 * b + i], y[i], c -> step * c - offset, 0, 15, "Q4_K block " + b + " element " + i);
            }
        }
        double rms = relativeRms(x, decodeAll(DType.Q4_K, q, ScalarBlockDecoder::q4K));
        // a 4-bit asymmetric grid per 32 values: ~0.09 for Gaussian data (llama.cpp's reference is close)
        assertTrue(rms < 0.11, "Q4_K relative RMS error " + rms);
    }

    @Test
    void q6KElementsTakeTheNearestValueOfTheirSubBlock() {
        float[] x = gaussian(256 * 64, 3, 0.02);
        byte[] q = quantize(DType.Q6_K, x);
        for (int b = 0; b < 64; b++) {
            byte[] block = slice(q, b, DType.Q6_K);
            float[] y = ScalarBlockDecoder.q6K(block);
            float d = ScalarBlockDecoder.half(block, 208);
            for (int i = 0; i < 256; i++) {
                float step = d * block[192 + i / 16];
                assertNearest(x[256 * b + i], y[i], c -> step * c, -32, 31, "Q6_K block " + b + " element " + i);
            }
        }
        double rms = relativeRms(x, decodeAll(DType.Q6_K, q, ScalarBlockDecoder::q6K));
        assertTrue(rms < 0.03, "Q6_K relative RMS error " + rms);
    }

    @Test
    void outliersAndZerosStayRepresentable() {
        for (DType type : new DType[] {DType.Q8_0, DType.Q4_K, DType.Q6_K}) {
            float[] x = gaussian(256 * 4, 4, 0.02);
            x[5] = 3.0f;
            x[300] = -2.5f;
            for (int i = 512; i < 768; i++) {
                x[i] = 0;
            }
            float[] y = decodeAll(type, quantize(type, x), switch (type) {
                case Q8_0 -> ScalarBlockDecoder::q8_0;
                case Q4_K -> ScalarBlockDecoder::q4K;
                default -> ScalarBlockDecoder::q6K;
            });
            for (int i = 512; i < 768; i++) {
                assertEquals(0f, y[i], 1e-30, type + ": an all-zero block decodes to zeros");
            }
            assertEquals(3.0f, y[5], 3.0 * 0.02, type + ": the block maximum survives");
            assertEquals(-2.5f, y[300], 2.5 * 0.02, type + ": the block minimum survives");
        }
    }

    private interface Grid {
        float value(int code);
    }

    private static void assertNearest(float x, float y, Grid grid, int lo, int hi, String what) {
        double err = Math.abs(x - (double) y);
        for (int c = lo; c <= hi; c++) {
            if (Math.abs(x - (double) grid.value(c)) < err) {
                fail(what + ": " + x + " decodes to " + y + " but the grid holds the nearer " + grid.value(c));
            }
        }
    }

    static float[] gaussian(int n, long seed, double std) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * std);
        }
        return x;
    }

    static byte[] quantize(DType type, float[] x) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(type.bytesFor(x.length));
            BlockQuantizer.of(type).quantize(x, 0, x.length, out, 0);
            return out.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    private static byte[] slice(byte[] q, int block, DType type) {
        byte[] b = new byte[type.blockBytes()];
        System.arraycopy(q, block * b.length, b, 0, b.length);
        return b;
    }

    private static float[] decodeAll(DType type, byte[] q, Function<byte[], float[]> decoder) {
        int blocks = q.length / type.blockBytes();
        float[] y = new float[blocks * type.blockSize()];
        for (int b = 0; b < blocks; b++) {
            System.arraycopy(decoder.apply(slice(q, b, type)), 0, y, b * type.blockSize(), type.blockSize());
        }
        return y;
    }

    static double relativeRms(float[] x, float[] y) {
        double num = 0, den = 0;
        for (int i = 0; i < x.length; i++) {
            num += (x[i] - (double) y[i]) * (x[i] - (double) y[i]);
            den += (double) x[i] * x[i];
        }
        return Math.sqrt(num / den);
    }
}
