package dev.llada2.backend.cpu;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.EngineStats;
import dev.llada2.runtime.ForwardPart;
import dev.llada2.weights.AttentionWeights;

/**
 * The attention half of a layer on the CPU (spec §4.3): fused QKV projection, per-head QK RMSNorm,
 * partial RoPE, grouped-query attention against {@code [cached prefix | own keys]} under the block
 * mask, output projection. Query head h reads key/value head h / (heads / kvHeads).
 */
final class CpuAttention {

    private final LLaDA2Config c;
    private final CpuRope rope;
    private final float scale;

    CpuAttention(LLaDA2Config c) {
        this.c = c;
        this.rope = new CpuRope(c.rope());
        this.scale = (float) Math.pow(c.headDim(), -0.5);
    }

    /**
     * @param a     normalised input {@code [T, hidden]}
     * @param start   absolute position of the first token; keys {@code [0, start)} are in {@code cache}
     * @param queries the rows whose output is wanted, in order (every row's key and value is computed
     *                and cached whatever this says: the next forwards and the other rows read them)
     * @param out     receives the attention output of those rows {@code [queries.length, hidden]}
     *                (before the residual add)
     * @param stats receives the time of the projections, the rope and the scores
     */
    void forward(CpuDevice dev, AttentionWeights w, float[] a, int tokens, int start, AttentionMask mask,
                 KvCache cache, int[] queries, float[] out, EngineStats stats) {
        long clock = System.nanoTime();
        int hd = c.headDim();
        int nh = c.numAttentionHeads();
        int nkv = c.numKeyValueHeads();
        int qDim = c.queryDim();
        int kvDim = c.kvDim();
        int rows = c.qkvRows();
        float[] qkv = new float[tokens * rows];
        MatMul.multiply(dev, w.qkv(), a, tokens, qkv);
        w.qkvBias().ifPresent(b -> {
            for (int t = 0; t < tokens; t++) {
                VectorOps.add(b, 0, qkv, t * rows, rows);
            }
        });
        clock = stats.lap(ForwardPart.ATTENTION_PROJECTIONS, clock);
        cache.ensureCapacity(start + tokens);
        float[] keys = cache.keys();
        float[] values = cache.values();
        float eps = c.rmsNormEps();
        dev.parallelFor(tokens, t -> {
            float[] cos = new float[rope.half()];
            float[] sin = new float[rope.half()];
            rope.angles(start + t, cos, sin);
            int base = t * rows;
            for (int h = 0; h < nh; h++) {
                int off = base + h * hd;
                w.queryNorm().ifPresent(qn -> VectorOps.rmsNorm(qkv, off, qn, eps, qkv, off, hd));
                rope.apply(qkv, off, cos, sin);
            }
            for (int g = 0; g < nkv; g++) {
                int kOff = base + qDim + g * hd;
                w.keyNorm().ifPresent(kn -> VectorOps.rmsNorm(qkv, kOff, kn, eps, qkv, kOff, hd));
                rope.apply(qkv, kOff, cos, sin);
            }
            System.arraycopy(qkv, base + qDim, keys, (start + t) * kvDim, kvDim);
            System.arraycopy(qkv, base + qDim + kvDim, values, (start + t) * kvDim, kvDim);
        });
        clock = stats.lap(ForwardPart.ATTENTION_ROPE, clock);
        int total = start + tokens;
        int group = c.queriesPerKvHead();
        int wanted = queries.length;
        float[] context = new float[wanted * qDim];
        dev.parallelFor(wanted * nh, job -> {
            int i = job / nh;
            int t = queries[i];
            int h = job % nh;
            int g = h / group;
            int limit = mask.keyLimit(start + t, total);
            int qOff = t * rows + h * hd;
            float[] scores = new float[limit];
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < limit; j++) {
                scores[j] = VectorOps.dot(qkv, qOff, keys, j * kvDim + g * hd, hd) * scale;
                max = Math.max(max, scores[j]);
            }
            float sum = 0;
            for (int j = 0; j < limit; j++) {
                scores[j] = (float) Math.exp(scores[j] - max);
                sum += scores[j];
            }
            int cOff = i * qDim + h * hd;
            for (int j = 0; j < limit; j++) {
                VectorOps.axpy(scores[j] / sum, values, j * kvDim + g * hd, context, cOff, hd);
            }
        });
        clock = stats.lap(ForwardPart.ATTENTION_SCORES, clock);
        MatMul.multiply(dev, w.dense(), context, wanted, out);
        w.denseBias().ifPresent(b -> {
            for (int t = 0; t < wanted; t++) {
                VectorOps.add(b, 0, out, t * c.hiddenSize(), c.hiddenSize());
            }
        });
        stats.lap(ForwardPart.ATTENTION_PROJECTIONS, clock);
    }
}
