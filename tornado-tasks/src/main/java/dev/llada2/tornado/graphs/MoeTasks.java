package dev.llada2.tornado.graphs;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.kernels.MoeKernels;
import dev.llada2.weights.MoeWeights;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

/**
 * The MoE feed-forward of a layer graph (spec §4.5), on the post-attention-norm activations m:
 *
 * <pre>
 *   router[_pK]          m, mlp.gate.weight                    --&gt; router_logits [T, E]
 *   router_select        router_logits, expert_bias            --&gt; topk_idx, topk_weight [T, k]
 *   group_slots, expert_gate_up[_pK], expert_down[_pK]  ({@link RoutedExpertTasks}) --&gt; slot_out [T k, H]
 *   shared_gate_up[_pK]  m, shared_experts.gate_proj/up_proj  --&gt; shared_h [T, inter_shared]
 *   shared_down[_pK]     shared_h, shared_experts.down_proj    --&gt; shared_out [T, H]
 *   combine              slot_out (slot order) + shared_out    --&gt; mlp_out [T, H]; y += mlp_out
 * </pre>
 *
 * The experts of each projection are stacked into as few device buffers as the device allows
 * (split between experts), k-major ({@link DeviceMatrix#kMajor}); each buffer gets its own expert
 * task. Every selected expert's weights are read once per {@link MoeKernels#TOKEN_TILE} tokens that
 * chose it (once per pass for most experts of a block).
 *
 * <p>When some routed experts live elsewhere ({@code onHost}: in host memory on CPU devices, or on other
 * TornadoVM devices, see {@link PeerExpertGraph}), only the device-resident ones are uploaded, as one
 * stack per contiguous range of expert ids (group_slots and the expert tasks are left out when there are
 * none), the slots of the other experts are left for {@link HostExpertGraphs} to fill, and the combine
 * moves to that class's last graph: this graph ends after the shared expert.
 */
public final class MoeTasks {

    private final FloatArray routerLogits;
    private final IntArray topIdx;
    private final FloatArray topWeight;
    private final FloatArray slotOut;
    private final Optional<FloatArray> sharedOut;
    private final boolean residentExperts;
    private final int topK;

    /**
     * @param out    receives mlp_out; unused (may be null) when {@code onHost} is given
     * @param residual the layer's residual stream y, to which mlp_out is added; unused (may be null) when
     *               {@code onHost} is given
     * @param onHost per expert, whether it lives away from this device (host memory or another TornadoVM
     *               device); null = every expert on the device
     * @param scratch the router's and the experts' working arrays, slot_out and shared_out
     */
    MoeTasks(LLaDA2Config c, int layer, MoeWeights w, FloatArray m, FloatArray out, FloatArray residual,
             SharedBuffers sh, LayerScratch scratch, GraphBuilder b, long maxPartBytes, boolean[] onHost) {
        int experts = c.numExperts();
        int k = c.numExpertsPerTok();
        int hidden = c.hiddenSize();
        int inter = c.moeIntermediateSize();
        int maxT = sh.maxTokens();
        this.topK = k;
        List<int[]> ranges = residentRanges(onHost, experts);
        this.residentExperts = !ranges.isEmpty();
        DeviceMatrix router = MatMulTasks.upload(w.router(), maxPartBytes);
        FloatArray bias = FloatArray.fromArray(w.expertBias());
        routerLogits = sh.activations(experts);
        topIdx = new IntArray(maxT * k);
        topWeight = new FloatArray(maxT * k);
        FloatArray scores = scratch.floats("scores", maxT * 2 * experts);
        FloatArray groupScore = scratch.floats("group_score", maxT * c.nGroup());
        IntArray marks = scratch.ints("marks", maxT * (experts + c.nGroup()));
        slotOut = scratch.floats("slot_out", maxT * k * hidden);
        sharedOut = w.shared().map(x -> scratch.activations("shared_out", hidden));
        b.uploadOnce(bias, routerLogits, topIdx, topWeight, scores, groupScore, marks);
        sharedOut.ifPresent(b::uploadOnce);
        b.uploadWeights(router);

        MatMulTasks.add(b, TaskName.Op.ROUTER, router, m, sh.params(), sh.scale(), routerLogits);
        TaskName t = b.task(TaskName.Op.ROUTER_SELECT, Grids.items(maxT));
        b.add(createPackage(t.task(), MoeKernels::routerSelect, b.context(), routerLogits, bias, sh.params(),
                scores, groupScore, marks, topIdx, topWeight, experts, k, c.nGroup(), c.topkGroup(),
                c.routedScalingFactor()), scores, groupScore, marks, topIdx, topWeight);
        if (residentExperts) {
            // expert scratch only when the device runs experts (flash: 4 MB of host memory a layer); a
            // buffer that no task of its graph uses is never allocated, so slot_out is declared by the
            // graph that first writes it (HostExpertGraphs when every expert is elsewhere)
            RoutedExpertTasks.add(c, layer, w, ranges, b, m, topIdx, topWeight, sh.params(), sh.scale(), slotOut,
                    maxT, maxPartBytes, scratch);
        }
        w.shared().ifPresent(s -> DenseMlpTasks.add(b, s, m, sharedOut.get(), sh, scratch, maxPartBytes,
                TaskName.Op.SHARED_GATE_UP, TaskName.Op.SHARED_DOWN));
        if (onHost == null) {
            combine(b, sh, out, residual, hidden);
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

    /**
     * {@code out = sum of slot_out in slot order + shared_out}, and {@code residual += out} (the layer's
     * residual add), for the pass's tokens.
     */
    void combine(GraphBuilder b, SharedBuffers sh, FloatArray out, FloatArray residual, int hidden) {
        TaskName t = b.task(TaskName.Op.COMBINE, Grids.items(sh.maxTokens() * hidden));
        b.add(createPackage(t.task(), MoeKernels::combine, b.context(), slotOut, sharedOut.orElse(slotOut),
                sh.params(), out, residual, hidden, topK, sharedOut.isPresent() ? 1 : 0), out, residual);
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
