package dev.llada2.tornado.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * What happens to the fused QKV projection before attention (spec §4.3): per-head QK RMSNorm (one
 * weight vector shared by all heads), then partial rotate-half RoPE on queries and keys, and the
 * store of the keys and values into the layer's device KV cache at their absolute positions.
 *
 * <p>cos/sin come from tables {@code [maxSequence, rotaryDim / 2]} computed on the host exactly as
 * the CPU engine computes them ({@code (float) position * inv_freq}, then {@code Math.cos/sin} in
 * double, times the attention factor), so the angles are bit-identical to the twin and do not depend
 * on the device's transcendental functions.
 */
public final class RopeKernels {

    /** Largest head dimension (and work-group size) the local arrays hold. */
    public static final int MAX_HEAD_DIM = 256;

    private RopeKernels() {
    }

    /**
     * One work-group per (token, head slot); slots {@code [0, heads)} are query heads,
     * {@code [heads, heads + kvHeads)} key heads, the rest value heads. Thread {@code d < headDim}
     * owns element {@code d} of the head vector; threads {@code d >= headDim} (when head_dim is not a
     * power of two) take part in the barriers and reductions with zeros and store nothing.
     *
     * <p>Grid: {@code maxTokens * (heads + 2 kvHeads) x L} work-items, local size {@code L} = the
     * smallest power of two {@code >= headDim}. Work per thread: one element, a {@code log2 L}
     * reduction for the norm, one rotation. Groups of tokens past {@code params[TOKENS]} exit.
     *
     * <p><b>Every group of the pass runs the same barriers</b>, value heads included: they take part in
     * the norm's reduction and the exchange through local memory and keep their plain values. The
     * barriers sit under no branch but the token check, which has no other path. Keep it so: PoCL 3.1 (the CPU OpenCL of the test
     * machines) miscompiles a kernel in which a branch with barriers (query/key heads) and a branch
     * without (value heads) both end in a store guarded by {@code d < headDim}. Clang merges the two
     * stores into one block behind both branches, and PoCL's work-group loops then take the guard of
     * the first work-item for all of them after the barrier: threads {@code d >= headDim} stored
     * zeros into the first {@code L - headDim} elements of the next head (the next token's first
     * query head, the next position's first key head in the cache). Whichever of the two work-groups
     * ran last won, so with several PoCL threads head_dim 24 gave intermittently wrong queries and
     * keys (see {@code AttentionKernelChecks}, which checks that nothing is stored past a pass).
     *
     * @param qkv    projection output {@code [tokens, (heads + 2 kvHeads) * headDim]}
     * @param qkNormWeights {@code query_layernorm.weight} then {@code key_layernorm.weight}
     *               ({@code 2 * headDim}); unread when {@code qkNorm == 0}
     * @param q      receives the normalised, rotated queries {@code [tokens, heads * headDim]}
     * @param keys   the layer's key cache {@code [maxSequence, kvHeads * headDim]}
     * @param values the layer's value cache, same shape
     * @param qkNorm 1 when the model has QK-norm weights ({@code use_qk_norm}), else 0
     */
    public static void qkNormRope(KernelContext context, FloatArray qkv, FloatArray qkNormWeights, FloatArray cos,
                                  FloatArray sin, IntArray params, FloatArray q, FloatArray keys,
                                  FloatArray values, int heads, int kvHeads, int headDim, int rotaryHalf, int qkNorm,
                                  float eps) {
        int group = context.groupIdx;
        int lid = context.localIdx;
        int threads = context.localGroupSizeX;
        float[] head = context.allocateFloatLocalArray(MAX_HEAD_DIM);
        float[] partial = context.allocateFloatLocalArray(MAX_HEAD_DIM);
        int slots = heads + 2 * kvHeads;
        int t = group / slots;
        int slot = group - t * slots;
        if (t < params.get(ForwardParams.TOKENS)) {
            int pos = params.get(ForwardParams.START) + t;
            int kvDim = kvHeads * headDim;
            // 1 for query and key heads (normalised and rotated), 0 for value heads (stored as they are)
            int rotate = slot < heads + kvHeads ? 1 : 0;
            float value = 0f;
            if (lid < headDim) {
                value = qkv.get(t * slots * headDim + slot * headDim + lid);
            }
            float normed = value;
            if (qkNorm == 1) {
                partial[lid] = value * value;
                context.localBarrier();
                for (int stride = threads / 2; stride > 0; stride >>= 1) {
                    if (lid < stride) {
                        partial[lid] += partial[lid + stride];
                    }
                    context.localBarrier();
                }
                float inv = 1.0f / TornadoMath.sqrt(partial[0] / headDim + eps);
                if (rotate == 1 && lid < headDim) {
                    float w = qkNormWeights.get(slot < heads ? lid : headDim + lid);
                    normed = w * (value * inv);
                }
            }
            head[lid] = normed;
            context.localBarrier();
            float rotated = normed;
            if (rotate == 1) {
                if (lid < rotaryHalf) {
                    int a = pos * rotaryHalf + lid;
                    rotated = head[lid] * cos.get(a) - head[lid + rotaryHalf] * sin.get(a);
                } else if (lid < 2 * rotaryHalf) {
                    int j = lid - rotaryHalf;
                    int a = pos * rotaryHalf + j;
                    rotated = head[lid] * cos.get(a) + head[j] * sin.get(a);
                }
            }
            if (lid < headDim) {
                if (slot < heads) {
                    q.set(t * heads * headDim + slot * headDim + lid, rotated);
                } else if (slot < heads + kvHeads) {
                    keys.set(pos * kvDim + (slot - heads) * headDim + lid, rotated);
                } else {
                    values.set(pos * kvDim + (slot - heads - kvHeads) * headDim + lid, rotated);
                }
            }
        }
    }
}
