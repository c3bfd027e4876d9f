package dev.llada2.backend.cpu.format;

/**
 * An independent scalar decoder of the llama.cpp block formats, written from the format definitions
 * (ggml's {@code dequantize_row_q8_0 / _q4_K / _q6_K} loop structure) and sharing no code with the
 * engine: the reference the engine's vector decoders must equal bit for bit.
 */
final class ScalarBlockDecoder {

    private ScalarBlockDecoder() {
    }

    static float half(byte[] b, int at) {
        return Float.float16ToFloat((short) ((b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8));
    }

    /** 34 bytes -> 32 values: x = q * d. */
    static float[] q8_0(byte[] b) {
        float d = half(b, 0);
        float[] y = new float[32];
        for (int i = 0; i < 32; i++) {
            y[i] = b[2 + i] * d;
        }
        return y;
    }

    /** 144 bytes -> 256 values. */
    static float[] q4K(byte[] b) {
        float d = half(b, 0);
        float min = half(b, 2);
        int[] scales = new int[12];
        for (int i = 0; i < 12; i++) {
            scales[i] = b[4 + i] & 0xFF;
        }
        float[] y = new float[256];
        int out = 0;
        int q = 16;
        int is = 0;
        for (int j = 0; j < 256; j += 64) {
            int[] sm0 = scaleMinK4(is, scales);
            int[] sm1 = scaleMinK4(is + 1, scales);
            float d1 = d * sm0[0];
            float m1 = min * sm0[1];
            float d2 = d * sm1[0];
            float m2 = min * sm1[1];
            for (int l = 0; l < 32; l++) {
                y[out++] = d1 * (b[q + l] & 0xF) - m1;
            }
            for (int l = 0; l < 32; l++) {
                y[out++] = d2 * ((b[q + l] & 0xFF) >> 4) - m2;
            }
            q += 32;
            is += 2;
        }
        return y;
    }

    /** ggml's get_scale_min_k4: {scale, min} of sub-block j. */
    static int[] scaleMinK4(int j, int[] q) {
        if (j < 4) {
            return new int[] {q[j] & 63, q[j + 4] & 63};
        }
        return new int[] {(q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)};
    }

    /** 210 bytes -> 256 values. */
    static float[] q6K(byte[] b) {
        float d = half(b, 208);
        float[] y = new float[256];
        for (int n = 0; n < 2; n++) {
            int ql = 64 * n;
            int qh = 128 + 32 * n;
            int sc = 192 + 8 * n;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int h = b[qh + l] & 0xFF;
                int q1 = ((b[ql + l] & 0xF) | ((h & 3) << 4)) - 32;
                int q2 = ((b[ql + l + 32] & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                int q3 = (((b[ql + l] & 0xFF) >> 4) | (((h >> 4) & 3) << 4)) - 32;
                int q4 = (((b[ql + l + 32] & 0xFF) >> 4) | (((h >> 6) & 3) << 4)) - 32;
                y[128 * n + l] = d * b[sc + is] * q1;
                y[128 * n + l + 32] = d * b[sc + is + 2] * q2;
                y[128 * n + l + 64] = d * b[sc + is + 4] * q3;
                y[128 * n + l + 96] = d * b[sc + is + 6] * q4;
            }
        }
        return y;
    }
}
