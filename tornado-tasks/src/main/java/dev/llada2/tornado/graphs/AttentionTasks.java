package dev.llada2.tornado.graphs;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.kernels.AttentionKernels;
import dev.llada2.tornado.kernels.ElementwiseKernels;
import dev.llada2.tornado.kernels.NormKernels;
import dev.llada2.tornado.kernels.RopeKernels;
import dev.llada2.weights.AttentionWeights;
import dev.llada2.weights.LayerWeights;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.util.Optional;

import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

/**
 * The attention half of a layer (spec §4.3), residual add and post-attention norm included, from the
 * residual stream x that enters the layer to the layer's own residual buffer y:
 *
 * <pre>
 *   input_norm          x, input_layernorm                 --&gt; a [T, H]
 *   qkv[_pK]            a, query_key_value part K          --&gt; qkv [T, (nh + 2 nkv) hd]
 *   qkv_bias            (use_qkv_bias only)                --&gt; qkv
 *   qk_norm_rope        qkv, query/key_layernorm, cos/sin  --&gt; q [T, nh hd], keys/values cache rows start..start+T
 *   attention           q, keys, values (cache, own rows)  --&gt; context [T, nh hd] (queries of one split),
 *                                                             partial softmax states (the others)
 *   attention_merge     (caches of more than one split)    --&gt; context
 *   attention_out[_pK]  context, dense part K              --&gt; attn_out [T, H]
 *   attention_out_bias  (use_bias only)                    --&gt; attn_out
 *   post_norm           y = x + attn_out; y, post_attention_layernorm --&gt; m [T, H]   (input of the feed-forward)
 * </pre>
 *
 * The feed-forward adds its output to y ({@link #residual}); y is the layer's output and the next
 * layer's x. Each layer writing its own y (instead of adding to one shared buffer) is what lets the
 * layers of a device share one graph and still have every layer's output fetched for a trace.
 * The layer's KV cache ({@code [maxSequence, kvHeads * headDim]} keys and values) lives in this graph
 * for the life of the engine; nothing of it crosses to the host.
 */
final class AttentionTasks {

    /** Output of the attention block before the residual add (traced as {@code attn_out}). */
    final FloatArray attnOut;
    /** Post-attention-norm activations, the feed-forward's input. */
    final FloatArray normed;
    /** The layer's residual stream y: x + attn_out here, + mlp_out after the feed-forward ({@code layer_out}). */
    final FloatArray output;

    /**
     * @param input   the residual stream entering the layer (declared by the caller)
     * @param scratch a, qkv, q, context and m (normed)
     */
    AttentionTasks(LLaDA2Config c, LayerWeights w, SharedBuffers sh, LayerScratch scratch, FloatArray input,
                   GraphBuilder b, long maxPartBytes) {
        AttentionWeights att = w.attention();
        int hidden = c.hiddenSize();
        int hd = c.headDim();
        int rows = c.qkvRows();
        int qDim = c.queryDim();
        FloatArray inputNorm = FloatArray.fromArray(w.inputNorm());
        FloatArray postNorm = FloatArray.fromArray(w.postNorm());
        FloatArray qkNorm = new FloatArray(2 * hd);
        att.queryNorm().ifPresent(qn -> copy(qn, qkNorm, 0));
        att.keyNorm().ifPresent(kn -> copy(kn, qkNorm, hd));
        DeviceMatrix qkvW = MatMulTasks.upload(att.qkv(), maxPartBytes);
        DeviceMatrix denseW = MatMulTasks.upload(att.dense(), maxPartBytes);
        FloatArray a = scratch.activations("a", hidden);
        FloatArray qkv = scratch.activations("qkv", rows);
        FloatArray q = scratch.activations("q", qDim);
        FloatArray context = scratch.activations("context", qDim);
        FloatArray keys = new FloatArray(sh.maxSequence() * c.kvDim());
        FloatArray values = new FloatArray(sh.maxSequence() * c.kvDim());
        this.attnOut = sh.activations(hidden);
        this.normed = scratch.activations("normed", hidden);
        this.output = sh.activations(hidden);
        b.uploadOnce(inputNorm, postNorm, qkNorm, a, qkv, q, context, keys, values, attnOut, normed, output);
        b.uploadWeights(qkvW, denseW);
        Optional<FloatArray> qkvBias = att.qkvBias().map(FloatArray::fromArray);
        Optional<FloatArray> denseBias = att.denseBias().map(FloatArray::fromArray);
        qkvBias.ifPresent(b::uploadOnce);
        denseBias.ifPresent(b::uploadOnce);
        float eps = c.rmsNormEps();
        int maxT = sh.maxTokens();

        TaskName t = b.task(TaskName.Op.INPUT_NORM, Grids.groups(maxT, Grids.normThreads(hidden)));
        b.add(createPackage(t.task(), NormKernels::rmsNormRows, b.context(), input, inputNorm, sh.params(), a,
                hidden, eps), a);
        MatMulTasks.add(b, TaskName.Op.QKV, qkvW, a, sh.params(), sh.scale(), qkv);
        bias(b, TaskName.Op.QKV_BIAS, qkvBias, qkv, rows, sh);
        int threads = Grids.headThreads(hd);
        int slots = c.numAttentionHeads() + 2 * c.numKeyValueHeads();
        t = b.task(TaskName.Op.QK_NORM_ROPE, Grids.groups(maxT * slots, threads));
        b.add(createPackage(t.task(), RopeKernels::qkNormRope, b.context(), qkv, qkNorm, sh.rope().cos(),
                sh.rope().sin(), sh.params(), q, keys, values, c.numAttentionHeads(), c.numKeyValueHeads(), hd,
                sh.rope().half(), att.queryNorm().isPresent() ? 1 : 0, eps), q, keys, values);
        attention(b, sh, scratch, c, q, keys, values, context);
        MatMulTasks.add(b, TaskName.Op.ATTENTION_OUT, denseW, context, sh.params(), sh.scale(), attnOut);
        bias(b, TaskName.Op.ATTENTION_OUT_BIAS, denseBias, attnOut, hidden, sh);
        t = b.task(TaskName.Op.POST_NORM, Grids.groups(maxT, Grids.normThreads(hidden)));
        b.add(createPackage(t.task(), NormKernels::addRmsNormRows, b.context(), attnOut, input, output,
                postNorm, sh.params(), normed, hidden, eps), output, normed);
    }

    /**
     * The attention of the pass's queries {@code q} against the cache into {@code context}: split over
     * keys ({@link Grids#ATTENTION_SPLIT_KEYS}) and merged when the cache holds more than one split;
     * one task without a merge (nor its nodes) otherwise.
     */
    private static void attention(GraphBuilder b, SharedBuffers sh, LayerScratch scratch, LLaDA2Config c,
                                  FloatArray q, FloatArray keys, FloatArray values, FloatArray context) {
        int hd = c.headDim();
        int heads = c.numAttentionHeads();
        int maxT = sh.maxTokens();
        int splits = Grids.attentionSplits(sh.maxSequence());
        int splitKeys = Grids.ATTENTION_SPLIT_KEYS;
        FloatArray partials = scratch.floats("attention_partials",
                splits > 1 ? maxT * heads * splits * AttentionKernels.partialWidth(hd) : 1);
        b.uploadOnce(partials);
        TaskName t = b.task(TaskName.Op.ATTENTION, Grids.attentionGroups(maxT, heads, c.numKeyValueHeads(), hd,
                splits));
        b.add(createPackage(t.task(), AttentionKernels::attention, b.context(), q, keys, values, sh.params(),
                context, partials, heads, c.numKeyValueHeads(), hd, (float) Math.pow(hd, -0.5), splitKeys, splits),
                context, partials);
        if (splits > 1) {
            t = b.task(TaskName.Op.ATTENTION_MERGE, Grids.attentionMergeGroups(maxT, heads, hd));
            b.add(createPackage(t.task(), AttentionKernels::mergeSplits, b.context(), partials, sh.params(), context,
                    heads, hd, splitKeys, splits), context);
        }
    }

    /** {@code x += delta} for the pass's tokens (x: a layer's residual buffer). */
    static void residual(GraphBuilder b, TaskName.Op op, FloatArray delta, FloatArray x, SharedBuffers sh,
                         int width) {
        TaskName t = b.task(op, Grids.items(sh.maxTokens() * width));
        b.add(createPackage(t.task(), ElementwiseKernels::addInPlace, b.context(), delta, sh.params(), x,
                width), x);
    }

    private static void bias(GraphBuilder b, TaskName.Op op, Optional<FloatArray> bias, FloatArray y, int width,
                             SharedBuffers sh) {
        if (bias.isPresent()) {
            TaskName t = b.task(op, Grids.items(sh.maxTokens() * width));
            b.add(createPackage(t.task(), ElementwiseKernels::addBias, b.context(), bias.get(), sh.params(), y,
                    width), y);
        }
    }

    private static void copy(float[] from, FloatArray to, int offset) {
        for (int i = 0; i < from.length; i++) {
            to.set(offset + i, from[i]);
        }
    }
}
