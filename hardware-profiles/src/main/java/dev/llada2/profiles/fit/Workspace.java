package dev.llada2.profiles.fit;

import dev.llada2.config.LLaDA2Config;

/**
 * Activation and scratch memory of one forward over a block, per device, in bytes. Every
 * activation is fp32 (the engine computes in fp32 whatever the weight type). With T = block length,
 * P = KV positions, h = hidden size, k = experts per token, E = experts, V = vocabulary:
 *
 * <pre>
 * embedding device     T*h                                  embedded rows
 * layer-home device    3*T*h                                residual stream, normed input, block output
 *                    + max( T*qkv_rows + T*heads*head_dim   QKV projection, attention context
 *                           + T*heads*P,                    attention scores (all heads, all keys)
 *                           2*T*intermediate,               dense MLP gate/up (if it homes a dense layer)
 *                           T*E + T*k*h + 2*T*shared_inter + T*h )
 *                                                           router logits, per-slot expert outputs,
 *                                                           shared expert gate/up and output (if MoE)
 * routed-expert device T*h + T*k*(2*h + 2*moe_inter)        inputs handed over, worst case every
 *                                                           slot routed here: gathered inputs and
 *                                                           outputs, gate/up
 * head device          T*h + T*V                            final hidden rows, logits of a block
 * </pre>
 *
 * all times 4 bytes. Layers run one after another, so the buffers are reused across layers and
 * counted once per device; attention and the FFN never hold their scratch at the same time, hence
 * the max. A prefill that runs more than one block per forward needs the T-proportional parts
 * scaled by its token count.
 */
final class Workspace {

    private Workspace() {
    }

    /** What one device does in a forward. */
    record Roles(boolean embedding, boolean denseHome, boolean moeHome, boolean experts, boolean head) {
    }

    static long bytes(LLaDA2Config c, PlanOptions o, Roles r) {
        long t = o.blockLength();
        long h = c.hiddenSize();
        long floats = 0;
        if (r.embedding()) {
            floats += t * h;
        }
        if (r.denseHome() || r.moeHome()) {
            long attention = t * c.qkvRows() + t * c.queryDim() + t * c.numAttentionHeads() * (long) o.kvPositions();
            long dense = r.denseHome() ? 2 * t * c.intermediateSize() : 0;
            long moe = r.moeHome() ? t * c.numExperts() + t * c.numExpertsPerTok() * h
                    + 2 * t * c.sharedIntermediateSize() + t * h : 0;
            floats += 3 * t * h + Math.max(attention, Math.max(dense, moe));
        }
        if (r.experts()) {
            floats += t * h + t * c.numExpertsPerTok() * (2 * h + 2L * c.moeIntermediateSize());
        }
        if (r.head()) {
            floats += t * h + t * c.vocabSize();
        }
        return 4 * floats;
    }
}
