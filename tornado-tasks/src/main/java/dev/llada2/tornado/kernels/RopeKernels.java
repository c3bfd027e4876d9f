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
     * owns element {@code d} of the head vector.
     *
     * <p>Grid: {@code maxTokens * (heads + 2 kvHeads) x L} work-items, local size {@code L} = the
     * smallest power of two {@code >= headDim}. Work per thread: one element, a {@code log2 L}
     * reduction for the norm, one rotation. Groups of tokens past {@code params[TOKENS]} exit.
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
            float value = 0f;
            if (lid < headDim) {
                value = qkv.get(t * slots * headDim + slot * headDim + lid);
            }
            if (slot < heads + kvHeads) {
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
                    if (lid < headDim) {
                        float w = qkNormWeights.get(slot < heads ? lid : headDim + lid);
                        normed = w * (value * inv);
                    }
                }
                head[lid] = normed;
                context.localBarrier();
                float rotated = normed;
                if (lid < rotaryHalf) {
                    int a = pos * rotaryHalf + lid;
                    rotated = head[lid] * cos.get(a) - head[lid + rotaryHalf] * sin.get(a);
                } else if (lid < 2 * rotaryHalf) {
                    int j = lid - rotaryHalf;
                    int a = pos * rotaryHalf + j;
                    rotated = head[lid] * cos.get(a) + head[j] * sin.get(a);
                }
                if (lid < headDim) {
                    if (slot < heads) {
                        q.set(t * heads * headDim + slot * headDim + lid, rotated);
                    } else {
                        keys.set(pos * kvDim + (slot - heads) * headDim + lid, rotated);
                    }
                }
            } else if (lid < headDim) {
                values.set(pos * kvDim + (slot - heads - kvHeads) * headDim + lid, value);
            }
        }
    }
}
