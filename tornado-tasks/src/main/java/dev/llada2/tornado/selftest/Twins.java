package dev.llada2.tornado.selftest;

import dev.llada2.backend.cpu.VectorOps;
import dev.llada2.runtime.AttentionMask;

/**
 * Sequential plain-Java versions of the kernels whose CPU-engine counterpart is not public API
 * ({@code CpuAttention}, {@code CpuRope}, {@code CpuLmHead}).
 * Each follows the CPU engine's loop structure and arithmetic, using its public
 * {@link VectorOps}; the golden tests check both engines against the reference independently.
 */
final class Twins {

    private Twins() {
    }

    /** Shapes of the attention twins. */
    record Heads(int heads, int kvHeads, int headDim, int rotaryHalf) {
        int qkvRows() {
            return (heads + 2 * kvHeads) * headDim;
        }

        int kvDim() {
            return kvHeads * headDim;
        }
    }

    /**
     * QK RMSNorm (when {@code queryNorm != null}), partial rotate-half RoPE at positions
     * {@code start..}, queries into {@code q [tokens, heads * headDim]} and keys/values into the
     * caches {@code [position, kvDim]} (as {@code CpuAttention.forward} does before scoring).
     */
    static void qkNormRope(float[] qkv, int tokens, int start, float[] queryNorm, float[] keyNorm, float[] cos,
                           float[] sin, Heads s, float eps, float[] q, float[] keys, float[] values) {
        int hd = s.headDim();
        int rows = s.qkvRows();
        int qDim = s.heads() * hd;
        int kvDim = s.kvDim();
        float[] head = new float[hd];
        for (int t = 0; t < tokens; t++) {
            int pos = start + t;
            for (int slot = 0; slot < s.heads() + s.kvHeads(); slot++) {
                System.arraycopy(qkv, t * rows + slot * hd, head, 0, hd);
                float[] w = slot < s.heads() ? queryNorm : keyNorm;
                if (w != null) {
                    VectorOps.rmsNorm(head, 0, w, eps, head, 0, hd);
                }
                for (int j = 0; j < s.rotaryHalf(); j++) {
                    float c = cos[pos * s.rotaryHalf() + j];
                    float sn = sin[pos * s.rotaryHalf() + j];
                    float x1 = head[j];
                    float x2 = head[j + s.rotaryHalf()];
                    head[j] = x1 * c - x2 * sn;
                    head[j + s.rotaryHalf()] = x2 * c + x1 * sn;
                }
                if (slot < s.heads()) {
                    System.arraycopy(head, 0, q, t * qDim + slot * hd, hd);
                } else {
                    System.arraycopy(head, 0, keys, pos * kvDim + (slot - s.heads()) * hd, hd);
                }
            }
            System.arraycopy(qkv, t * rows + qDim + kvDim, values, pos * kvDim, kvDim);
        }
    }

    /** Grouped-query attention of {@code q} against the caches under {@code mask}, as {@code CpuAttention}. */
    static float[] attention(float[] q, float[] keys, float[] values, int tokens, int start, AttentionMask mask,
                             Heads s) {
        int hd = s.headDim();
        int qDim = s.heads() * hd;
        int kvDim = s.kvDim();
        int group = s.heads() / s.kvHeads();
        float scale = (float) Math.pow(hd, -0.5);
        float[] out = new float[tokens * qDim];
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < s.heads(); h++) {
                int g = h / group;
                int limit = mask.keyLimit(start + t, start + tokens);
                float[] scores = new float[limit];
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < limit; j++) {
                    scores[j] = VectorOps.dot(q, t * qDim + h * hd, keys, j * kvDim + g * hd, hd) * scale;
                    max = Math.max(max, scores[j]);
                }
                float sum = 0;
                for (int j = 0; j < limit; j++) {
                    scores[j] = (float) Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = 0; j < limit; j++) {
                    VectorOps.axpy(scores[j] / sum, values, j * kvDim + g * hd, out, t * qDim + h * hd, hd);
                }
            }
        }
        return out;
    }

    /** Argmax (first on ties) and its softmax probability of one logits row, in double (the greedy head). */
    static float greedy(float[] logits, int[] argmax, int row) {
        int a = 0;
        for (int v = 1; v < logits.length; v++) {
            if (logits[v] > logits[a]) {
                a = v;
            }
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp((double) l - logits[a]);
        }
        argmax[row] = a;
        return (float) (1.0 / sum);
    }
}
