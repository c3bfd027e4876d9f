package dev.llada2.backend.cpu;

import dev.llada2.weights.Matrix;

/**
 * The LM head for selected rows only. The greedy variant never materialises the logits: vocabulary
 * chunks are computed in parallel, each keeping per row its maximum, first argmax and the sum of
 * {@code exp(logit - max)}; chunks are then merged in vocabulary order, so the result does not
 * depend on the thread count. Confidence = softmax probability of the argmax = 1 / sum.
 */
final class CpuLmHead {

    private static final int CHUNK = 2048;

    private CpuLmHead() {
    }

    static void greedy(CpuDevice dev, Matrix head, float[] hidden, int rows, int[] argmax, float[] confidence) {
        int vocab = head.rows();
        int chunks = (vocab + CHUNK - 1) / CHUNK;
        float[] max = new float[chunks * rows];
        float[] sum = new float[chunks * rows];
        int[] arg = new int[chunks * rows];
        dev.parallelFor(chunks, ch -> {
            int from = ch * CHUNK;
            int to = Math.min(vocab, from + CHUNK);
            int width = to - from;
            float[] logits = new float[rows * width];
            MatMul.rows(head, from, to, hidden, rows, logits, width, 0);
            for (int r = 0; r < rows; r++) {
                float m = Float.NEGATIVE_INFINITY;
                int a = -1;
                for (int v = 0; v < width; v++) {
                    if (logits[r * width + v] > m) {
                        m = logits[r * width + v];
                        a = from + v;
                    }
                }
                float s = 0;
                for (int v = 0; v < width; v++) {
                    s += (float) Math.exp(logits[r * width + v] - m);
                }
                max[ch * rows + r] = m;
                sum[ch * rows + r] = s;
                arg[ch * rows + r] = a;
            }
        });
        for (int r = 0; r < rows; r++) {
            float m = Float.NEGATIVE_INFINITY;
            int a = -1;
            for (int ch = 0; ch < chunks; ch++) {
                if (max[ch * rows + r] > m) {
                    m = max[ch * rows + r];
                    a = arg[ch * rows + r];
                }
            }
            double s = 0;
            for (int ch = 0; ch < chunks; ch++) {
                s += sum[ch * rows + r] * Math.exp(max[ch * rows + r] - m);
            }
            argmax[r] = a;
            confidence[r] = (float) (1.0 / s);
        }
    }

    static float[][] logits(CpuDevice dev, Matrix head, float[] hidden, int rows) {
        int vocab = head.rows();
        float[] all = new float[rows * vocab];
        MatMul.multiply(dev, head, hidden, rows, all);
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = java.util.Arrays.copyOfRange(all, r * vocab, (r + 1) * vocab);
        }
        return out;
    }
}
