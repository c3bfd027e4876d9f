package dev.llada2.arch;

import dev.llada2.config.LLaDA2Config;

import java.util.ArrayList;
import java.util.List;

import static dev.llada2.arch.LLaDA2TensorNames.*;

/**
 * LLaDA2.0 ({@code LLaDA2MoeModelLM}) as a list of tensors and a layer sequence; the file to read
 * first. The math is spec §4 ({@code ../shared/docs/LLADA2_SPEC.md}):
 *
 * <pre>
 * h = word_embeddings[ids]                                   no scaling, no BOS
 * for l in 0 .. num_hidden_layers-1:
 *     a  = rmsnorm(h, input_layernorm)
 *     h += attention(a)         fused QKV -> per-head QK-norm -> partial rotate-half RoPE
 *                               -> GQA softmax(q.k / sqrt(head_dim) + block mask) v -> dense
 *     m  = rmsnorm(h, post_attention_layernorm)
 *     h += l < first_k_dense_replace ? swiglu(m)             dense MLP (intermediate_size)
 *                                    : moe(m)                sigmoid router in fp32, expert_bias
 *                                                            for selection only, group-limited
 *                                                            top-k, renormalised x routed_scaling,
 *                                                            + shared expert(s) unweighted
 * logits = rmsnorm(h, model.norm) . lm_head^T                untied head
 * </pre>
 *
 * The CPU engine ({@code dev.llada2.backend.cpu}) and the TornadoVM kernels implement this sequence;
 * {@link #tensors} is what the binder checks a checkpoint against, what {@code init-random} writes
 * and what the planner counts.
 */
public final class LLaDA2Architecture {

    private LLaDA2Architecture() {
    }

    /** Every tensor a checkpoint of {@code c} holds, in the order the official model registers them. */
    public static List<TensorSpec> tensors(LLaDA2Config c) {
        List<TensorSpec> t = new ArrayList<>();
        long h = c.hiddenSize();
        t.add(new TensorSpec(EMBEDDINGS, new long[] {c.vocabSize(), h}, TensorRole.EMBEDDING, -1, -1, true));
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            t.add(new TensorSpec(inputNorm(l), new long[] {h}, TensorRole.INPUT_NORM, l, -1, true));
            t.add(new TensorSpec(qkv(l), new long[] {c.qkvRows(), h}, TensorRole.QKV, l, -1, true));
            if (c.useQkvBias()) {
                t.add(new TensorSpec(qkvBias(l), new long[] {c.qkvRows()}, TensorRole.QKV_BIAS, l, -1, true));
            }
            if (c.useQkNorm()) {
                t.add(new TensorSpec(queryNorm(l), new long[] {c.headDim()}, TensorRole.QUERY_NORM, l, -1, true));
                t.add(new TensorSpec(keyNorm(l), new long[] {c.headDim()}, TensorRole.KEY_NORM, l, -1, true));
            }
            t.add(new TensorSpec(attentionOut(l), new long[] {h, c.queryDim()}, TensorRole.ATTENTION_OUT, l, -1, true));
            if (c.useBias()) {
                t.add(new TensorSpec(attentionOutBias(l), new long[] {h}, TensorRole.ATTENTION_OUT_BIAS, l, -1, true));
            }
            t.add(new TensorSpec(postNorm(l), new long[] {h}, TensorRole.POST_NORM, l, -1, true));
            if (c.isMoeLayer(l)) {
                t.add(new TensorSpec(router(l), new long[] {c.numExperts(), h}, TensorRole.ROUTER, l, -1, true));
                t.add(new TensorSpec(expertBias(l), new long[] {c.numExperts()}, TensorRole.EXPERT_BIAS, l, -1,
                        c.expertBiasEnabled()));
                for (int e = 0; e < c.numExperts(); e++) {
                    mlp(t, expert(l, e), c.moeIntermediateSize(), h, TensorRole.ROUTED_EXPERT, l, e);
                }
                if (c.numSharedExperts() > 0) {
                    mlp(t, sharedExpert(l), c.sharedIntermediateSize(), h, TensorRole.SHARED_EXPERT, l, -1);
                }
            } else {
                mlp(t, denseMlp(l), c.intermediateSize(), h, TensorRole.DENSE_MLP, l, -1);
            }
        }
        t.add(new TensorSpec(FINAL_NORM, new long[] {h}, TensorRole.FINAL_NORM, -1, -1, true));
        if (!c.tieWordEmbeddings()) {
            t.add(new TensorSpec(LM_HEAD, new long[] {c.vocabSize(), h}, TensorRole.LM_HEAD, -1, -1, true));
        }
        return t;
    }

    private static void mlp(List<TensorSpec> t, String prefix, long inter, long h, TensorRole role, int l, int e) {
        t.add(new TensorSpec(gateProj(prefix), new long[] {inter, h}, role, l, e, true));
        t.add(new TensorSpec(upProj(prefix), new long[] {inter, h}, role, l, e, true));
        t.add(new TensorSpec(downProj(prefix), new long[] {h, inter}, role, l, e, true));
    }
}
