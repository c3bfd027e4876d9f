package dev.llada2.tornado.graphs;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.kernels.MoeKernels;
import dev.llada2.weights.MlpWeights;
import dev.llada2.weights.MoeWeights;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.ArrayList;
import java.util.List;

import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

/**
 * The routed experts a graph computes itself, grouped by expert: the one builder of the
 * {@code group_slots}, {@code expert_gate_up[_pK]} and {@code expert_down[_pK]} tasks, used by a layer's
 * own feed-forward ({@link MoeTasks}, the experts on the layer's device) and by another TornadoVM
 * device's share of a layer's experts ({@link PeerExpertGraph}, expert parallelism).
 *
 * <pre>
 *   group_slots          topk_idx                              --&gt; slots per expert, counts [E]
 *   expert_gate_up[_pK]  m, experts.*.gate_proj/up_proj (part K), slots --&gt; h [T k, inter]
 *   expert_down[_pK]     h, experts.*.down_proj (part K), slots, topk_weight --&gt; slot_out [T k, H]
 * </pre>
 *
 * Each contiguous range of expert ids is one k-major stack per projection ({@link DeviceMatrix#kMajor}),
 * split into device buffers as the device allows, each part its own task. Only the slots of the given
 * experts are written; a slot's output depends only on its token's row, its expert and its weight, so it
 * is the same bits whichever device computes it.
 */
final class RoutedExpertTasks {

    private RoutedExpertTasks() {
    }

    /**
     * Declares the expert stacks and scratch ({@code FIRST_EXECUTION}, with {@code slotOut}) and adds the
     * tasks; the caller has declared {@code m}, {@code topIdx}, {@code topWeight}, {@code params} and
     * {@code scale}.
     *
     * @param ranges   {@code [first, end)} expert id ranges this graph computes, at least one
     * @param params   {@link dev.llada2.tornado.kernels.ForwardParams#TOKENS} is the number of tokens
     *                 (rows of m, {@code topK} slots each)
     * @param maxTokens capacity in tokens of m, topIdx/topWeight ({@code topK} per token) and slotOut
     * @param scratch   slots, counts and h
     */
    static void add(LLaDA2Config c, int layer, MoeWeights w, List<int[]> ranges, GraphBuilder b, FloatArray m,
                    IntArray topIdx, FloatArray topWeight, IntArray params, FloatArray scale, FloatArray slotOut,
                    int maxTokens, long maxPartBytes, LayerScratch scratch) {
        int experts = c.numExperts();
        int k = c.numExpertsPerTok();
        int hidden = c.hiddenSize();
        int inter = c.moeIntermediateSize();
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
        IntArray slots = scratch.ints("slots", experts * maxTokens);
        IntArray counts = scratch.ints("counts", experts);
        FloatArray h = scratch.floats("expert_h", maxTokens * k * inter);
        b.uploadOnce(slots, counts, h, slotOut);
        for (DeviceMatrix[] st : stacks) {
            b.uploadWeights(st);
        }

        TaskName t = b.task(TaskName.Op.GROUP_SLOTS, Grids.items(experts));
        b.add(createPackage(t.task(), MoeKernels::groupSlots, b.context(), topIdx, params, slots, counts,
                experts, k, maxTokens), slots, counts);
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
                b.add(createPackage(t.task(), MoeKernels::expertGateUp, b.context(), g.words(), u.words(), m,
                        slots, counts, scale, h, first + g.firstUnit(inter), g.rows(), inter, hidden, k, maxTokens,
                        gate.format()), h);
            }
            for (int p = 0; p < down.parts().size(); p++) {
                DeviceMatrix.Part d = down.parts().get(p);
                t = b.task(TaskName.Op.EXPERT_DOWN, downPart++, Grids.expertGroups(d.rows(), hidden));
                b.add(createPackage(t.task(), MoeKernels::expertDown, b.context(), d.words(), h, slots, counts,
                        topWeight, scale, slotOut, first + d.firstUnit(hidden), d.rows(), hidden, inter, maxTokens,
                        down.format()), slotOut);
            }
        }
    }
}
