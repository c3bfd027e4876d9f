package dev.llada2.tornado.graphs;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.kernels.MoeKernels;
import dev.llada2.weights.MlpWeights;
import dev.llada2.weights.MoeWeights;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
 * (split between experts), k-major ({@link DeviceMatrix#kMajor}); each buffer gets its own expert
 * task. Every selected expert's weights are read once per {@link MoeKernels#TOKEN_TILE} tokens that
 * chose it (once per pass for most experts of a block).
 *
 * <p>When some routed experts live in host memory ({@code onHost}), only the device-resident ones are
 * uploaded, as one stack per contiguous range of expert ids (group_slots and the expert tasks are left
 * out when there are none), the slots of host experts are left for {@link HostExpertGraphs} to fill,
 * and the combine moves to that class's last graph: this graph ends after the shared expert.
 */
public final class MoeTasks {

    /**
     * Most contiguous ranges of device-resident experts per layer: each range adds two tasks or more
     * to a graph whose bytecode TornadoVM caps at 4096 bytes.
     */
    public static final int MAX_RESIDENT_RANGES = 4;

    private final FloatArray routerLogits;
    private final IntArray topIdx;
    private final FloatArray topWeight;
    private final FloatArray slotOut;
    private final Optional<FloatArray> sharedOut;
    private final boolean residentExperts;
    private final int topK;

    /**
     * @param out    receives mlp_out; unused (may be null) when {@code onHost} is given
     * @param onHost per expert, whether it lives in host memory; null = every expert on the device
     */
    MoeTasks(LLaDA2Config c, int layer, MoeWeights w, FloatArray m, FloatArray out, SharedBuffers sh,
             GraphBuilder b, long maxPartBytes, boolean[] onHost) {
        int experts = c.numExperts();
        int k = c.numExpertsPerTok();
        int hidden = c.hiddenSize();
        int inter = c.moeIntermediateSize();
        int maxT = sh.maxTokens();
        this.topK = k;
        List<int[]> ranges = residentRanges(onHost, experts);
        this.residentExperts = !ranges.isEmpty();
        DeviceMatrix router = DeviceMatrix.upload(w.router(), maxPartBytes);
        List<DeviceMatrix[]> stacks = new ArrayList<>();
        for (int[] r : ranges) {
            List<MlpWeights> e = w.experts().subList(r[0], r[1]);
            String prefix = "model.layers." + layer + ".mlp.experts."
                    + (r[1] - r[0] == experts ? "*" : r[0] + "-" + (r[1] - 1)) + ".";
            stacks.add(new DeviceMatrix[] {
                DeviceMatrix.stack(prefix + "gate_proj.weight", e.stream().map(MlpWeights::gate).toList(),
                        maxPartBytes).kMajor(),
                DeviceMatrix.stack(prefix + "up_proj.weight", e.stream().map(MlpWeights::up).toList(), maxPartBytes)
                        .kMajor(),
                DeviceMatrix.stack(prefix + "down_proj.weight", e.stream().map(MlpWeights::down).toList(),
                        maxPartBytes).kMajor()});
        }
        FloatArray bias = FloatArray.fromArray(w.expertBias());
        routerLogits = sh.activations(experts);
        topIdx = new IntArray(maxT * k);
        topWeight = new FloatArray(maxT * k);
        FloatArray scores = new FloatArray(maxT * 2 * experts);
        FloatArray groupScore = new FloatArray(maxT * c.nGroup());
        IntArray marks = new IntArray(maxT * (experts + c.nGroup()));
        // expert scratch only when the device runs experts (flash: 4 MB of host memory a layer)
        IntArray slots = residentExperts ? new IntArray(experts * maxT) : null;
        IntArray counts = residentExperts ? new IntArray(experts) : null;
        FloatArray h = residentExperts ? new FloatArray(maxT * k * inter) : null;
        slotOut = new FloatArray(maxT * k * hidden);
        sharedOut = w.shared().map(x -> sh.activations(hidden));
        b.uploadOnce(bias, routerLogits, topIdx, topWeight, scores, groupScore, marks);
        if (residentExperts) {
            // a buffer that no task of its graph uses is never allocated, so slot_out is declared by the
            // graph that first writes it (HostExpertGraphs when every expert is in host memory)
            b.uploadOnce(slots, counts, h, slotOut);
        }
        sharedOut.ifPresent(b::uploadOnce);
        b.uploadWeights(router);
        for (DeviceMatrix[] st : stacks) {
            b.uploadWeights(st);
        }

        MatMulTasks.add(b, TaskName.Op.ROUTER, router, m, sh.params(), sh.scale(), routerLogits);
        TaskName t = b.task(TaskName.Op.ROUTER_SELECT, Grids.items(maxT));
        b.graph().task(t.task(), MoeKernels::routerSelect, new KernelContext(), routerLogits, bias, sh.params(), scores,
                groupScore, marks, topIdx, topWeight, experts, k, c.nGroup(), c.topkGroup(), c.routedScalingFactor());
        if (residentExperts) {
            t = b.task(TaskName.Op.GROUP_SLOTS, Grids.items(experts));
            b.graph().task(t.task(), MoeKernels::groupSlots, new KernelContext(), topIdx, sh.params(), slots, counts,
                    experts, k, maxT);
        }
        int gatePart = 0;
        int downPart = 0;
        for (int r = 0; r < ranges.size(); r++) {
            int first = ranges.get(r)[0];
            DeviceMatrix gate = stacks.get(r)[0];
            DeviceMatrix up = stacks.get(r)[1];
            DeviceMatrix down = stacks.get(r)[2];
            for (int p = 0; p < gate.parts().size(); p++) {
                DeviceMatrix.Part g = gate.parts().get(p);
                DeviceMatrix.Part u = up.parts().get(p);
                t = b.task(TaskName.Op.EXPERT_GATE_UP, gatePart++, Grids.expertGroups(g.rows(), inter));
                b.graph().task(t.task(), MoeKernels::expertGateUp, new KernelContext(), g.words(), u.words(), m, slots,
                        counts, sh.scale(), h, first + g.firstUnit(inter), g.rows(), inter, hidden, k, maxT,
                        gate.format());
            }
            for (int p = 0; p < down.parts().size(); p++) {
                DeviceMatrix.Part d = down.parts().get(p);
                t = b.task(TaskName.Op.EXPERT_DOWN, downPart++, Grids.expertGroups(d.rows(), hidden));
                b.graph().task(t.task(), MoeKernels::expertDown, new KernelContext(), d.words(), h, slots, counts,
                        topWeight, sh.scale(), slotOut, first + d.firstUnit(hidden), d.rows(), hidden, inter, maxT,
                        down.format());
            }
        }
        w.shared().ifPresent(s -> DenseMlpTasks.add(b, s, m, sharedOut.get(), sh, maxPartBytes,
                TaskName.Op.SHARED_GATE_UP, TaskName.Op.SHARED_DOWN));
        if (onHost == null) {
            combine(b, sh, out, hidden);
        }
    }

    /**
     * The contiguous ranges {@code [first, end)} of expert ids that live on the device, in id order.
     *
     * @param onHost null = all on the device
     */
    public static List<int[]> residentRanges(boolean[] onHost, int experts) {
        List<int[]> ranges = new ArrayList<>();
        for (int e = 0; e < experts; ) {
            if (onHost != null && onHost[e]) {
                e++;
                continue;
            }
            int end = e;
            while (end < experts && (onHost == null || !onHost[end])) {
                end++;
            }
            ranges.add(new int[] {e, end});
            e = end;
        }
        return ranges;
    }

    /** {@code out = sum of slot_out in slot order + shared_out}, for the pass's tokens. */
    void combine(GraphBuilder b, SharedBuffers sh, FloatArray out, int hidden) {
        TaskName t = b.task(TaskName.Op.COMBINE, Grids.items(sh.maxTokens() * hidden));
        b.graph().task(t.task(), MoeKernels::combine, new KernelContext(), slotOut, sharedOut.orElse(slotOut),
                sh.params(), out, hidden, topK, sharedOut.isPresent() ? 1 : 0);
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

    /** Weighted output of every slot {@code [T topK, H]}. */
    FloatArray slotOut() {
        return slotOut;
    }

    /** The shared expert's output {@code [T, H]}, when the layer has one. */
    Optional<FloatArray> sharedOut() {
        return sharedOut;
    }

    /** Whether any routed expert of the layer lives on the device (then this graph writes slot_out). */
    boolean residentExperts() {
        return residentExperts;
    }
}
