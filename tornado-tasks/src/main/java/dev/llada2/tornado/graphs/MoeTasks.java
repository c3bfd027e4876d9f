package dev.llada2.tornado.graphs;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.kernels.MoeKernels;
import dev.llada2.weights.MlpWeights;
import dev.llada2.weights.MoeWeights;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.List;

/**
 * The MoE feed-forward of a layer graph (spec §4.5), on the post-attention-norm activations m:
 *
 * <pre>
 *   router[_pK]          m, mlp.gate.weight                    --&gt; router_logits [T, E]
 *   router_select        router_logits, expert_bias            --&gt; topk_idx, topk_weight [T, k]
 *   group_slots          topk_idx                              --&gt; slots per expert, counts [E]
 *   expert_gate_up[_pK]  m, experts.*.gate_proj/up_proj (part K), slots --&gt; h [T k, inter]
 *   expert_down[_pK]     h, experts.*.down_proj (part K), slots, topk_weight --&gt; slot_out [T k, H]
 *   shared_gate_up[_pK]  m, shared_experts.gate_proj/up_proj  --&gt; shared_h [T, inter_shared]
 *   shared_down[_pK]     shared_h, shared_experts.down_proj    --&gt; shared_out [T, H]
 *   combine              slot_out (slot order) + shared_out    --&gt; mlp_out [T, H]
 * </pre>
 *
 * The experts of each projection are stacked into as few device buffers as the device allows
 * (split between experts); each buffer gets its own expert task. Every selected expert's weights are
 * read once per pass, whatever number of tokens chose it.
 */
public final class MoeTasks {

    private final FloatArray routerLogits;
    private final IntArray topIdx;
    private final FloatArray topWeight;

    MoeTasks(LLaDA2Config c, int layer, MoeWeights w, FloatArray m, FloatArray out, SharedBuffers sh,
             GraphBuilder b, long maxPartBytes) {
        int experts = c.numExperts();
        int k = c.numExpertsPerTok();
        int hidden = c.hiddenSize();
        int inter = c.moeIntermediateSize();
        int maxT = sh.maxTokens();
        String prefix = "model.layers." + layer + ".mlp.experts.*.";
        List<MlpWeights> e = w.experts();
        DeviceMatrix router = DeviceMatrix.upload(w.router(), maxPartBytes);
        DeviceMatrix gate = DeviceMatrix.stack(prefix + "gate_proj.weight", e.stream().map(MlpWeights::gate).toList(),
                maxPartBytes);
        DeviceMatrix up = DeviceMatrix.stack(prefix + "up_proj.weight", e.stream().map(MlpWeights::up).toList(),
                maxPartBytes);
        DeviceMatrix down = DeviceMatrix.stack(prefix + "down_proj.weight", e.stream().map(MlpWeights::down).toList(),
                maxPartBytes);
        FloatArray bias = FloatArray.fromArray(w.expertBias());
        routerLogits = sh.activations(experts);
        topIdx = new IntArray(maxT * k);
        topWeight = new FloatArray(maxT * k);
        FloatArray scores = new FloatArray(maxT * 2 * experts);
        FloatArray groupScore = new FloatArray(maxT * c.nGroup());
        IntArray marks = new IntArray(maxT * (experts + c.nGroup()));
        IntArray slots = new IntArray(experts * maxT);
        IntArray counts = new IntArray(experts);
        FloatArray h = new FloatArray(maxT * k * inter);
        FloatArray slotOut = new FloatArray(maxT * k * hidden);
        FloatArray sharedOut = sh.activations(hidden);
        b.uploadOnce(bias, routerLogits, topIdx, topWeight, scores, groupScore, marks, slots, counts, h, slotOut,
                sharedOut);
        b.uploadWeights(router, gate, up, down);

        MatMulTasks.add(b, TaskName.Op.ROUTER, router, m, sh.params(), sh.scale(), routerLogits);
        TaskName t = b.task(TaskName.Op.ROUTER_SELECT, Grids.items(maxT));
        b.graph().task(t.task(), MoeKernels::routerSelect, new KernelContext(), routerLogits, bias, sh.params(), scores,
                groupScore, marks, topIdx, topWeight, experts, k, c.nGroup(), c.topkGroup(), c.routedScalingFactor());
        t = b.task(TaskName.Op.GROUP_SLOTS, Grids.items(experts));
        b.graph().task(t.task(), MoeKernels::groupSlots, new KernelContext(), topIdx, sh.params(), slots, counts,
                experts, k, maxT);
        int upThreads = Grids.matmulThreads(hidden);
        for (int p = 0; p < gate.parts().size(); p++) {
            DeviceMatrix.Part g = gate.parts().get(p);
            DeviceMatrix.Part u = up.parts().get(p);
            t = b.task(TaskName.Op.EXPERT_GATE_UP, p, Grids.groups(g.rows(), upThreads));
            b.graph().task(t.task(), MoeKernels::expertGateUp, new KernelContext(), g.words(), u.words(), m, slots,
                    counts, sh.scale(), h, g.firstUnit(inter), inter, hidden, k, maxT, gate.format());
        }
        int downThreads = Grids.matmulThreads(inter);
        for (int p = 0; p < down.parts().size(); p++) {
            DeviceMatrix.Part d = down.parts().get(p);
            t = b.task(TaskName.Op.EXPERT_DOWN, p, Grids.groups(d.rows(), downThreads));
            b.graph().task(t.task(), MoeKernels::expertDown, new KernelContext(), d.words(), h, slots, counts, topWeight,
                    sh.scale(), slotOut, d.firstUnit(hidden), hidden, inter, maxT, down.format());
        }
        w.shared().ifPresent(s -> DenseMlpTasks.add(b, s, m, sharedOut, sh, maxPartBytes, TaskName.Op.SHARED_GATE_UP,
                TaskName.Op.SHARED_DOWN));
        t = b.task(TaskName.Op.COMBINE, Grids.items(maxT * hidden));
        b.graph().task(t.task(), MoeKernels::combine, new KernelContext(), slotOut, sharedOut, sh.params(), out, hidden,
                k, w.shared().isPresent() ? 1 : 0);
    }

    /** Router logits {@code [T, experts]} of the last pass (traced as {@code router.layer{l}.logits}). */
    public FloatArray routerLogits() {
        return routerLogits;
    }

    /** Selected experts {@code [T, topK]}, descending biased score. */
    public IntArray topIdx() {
        return topIdx;
    }

    /** Their mixing weights {@code [T, topK]}. */
    public FloatArray topWeight() {
        return topWeight;
    }
}
