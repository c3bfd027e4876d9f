package dev.llada2.backend.cpu;

import dev.llada2.weights.Matrix;

/**
 * The LM head for selected rows only. The greedy variant never materialises the logits: vocabulary
 * chunks of {@value #CHUNK} rows are claimed by the threads, each computing its chunk's logits into a
 * per-thread buffer (rows x {@value #CHUNK} floats, in L2) and keeping per row its maximum, first
 * argmax and the sum of {@code exp(logit - max)} ({@link VectorOps#expNonPositive}: the same bits
 * compiled or not); chunks are then merged in vocabulary order, so the result does not depend on the
 * thread count. Confidence = softmax probability of the argmax = 1 / sum.
 */
final class CpuLmHead {

    private static final int CHUNK = 512;
    private static final ThreadLocal<float[]> LOGITS = ThreadLocal.withInitial(() -> new float[0]);

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
            float[] logits = buffer(rows * width);
            float[] m = new float[1];
            MatMul.rows(head, from, to, hidden, rows, logits, width, 0);
            for (int r = 0; r < rows; r++) {
                int a = VectorOps.argmax(logits, r * width, width, m);
                max[ch * rows + r] = m[0];
                sum[ch * rows + r] = VectorOps.sumExp(logits, r * width, width, m[0]);
                arg[ch * rows + r] = a < 0 ? -1 : from + a;
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

    private static float[] buffer(int size) {
        float[] b = LOGITS.get();
        if (b.length < size) {
            b = new float[size];
            LOGITS.set(b);
        }
        return b;
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
