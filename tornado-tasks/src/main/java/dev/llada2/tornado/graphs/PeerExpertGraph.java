package dev.llada2.tornado.graphs;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.tornado.format.WeightDecode;
import dev.llada2.tornado.kernels.ForwardParams;
import dev.llada2.tornado.kernels.HeadKernels;
import dev.llada2.weights.MoeWeights;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

/**
 * Expert parallelism: the share of one MoE layer's routed experts that lives on a TornadoVM device other
 * than the layer's home, as one graph on that (peer) device. The home computes attention, router,
 * selection, its own experts and the shared expert; the host hands this graph the rows of the tokens
 * routed to the peer's experts, and the peer's weighted slot rows go back for the home's combine
 * ({@link HostExpertGraphs} scatters them into the home's slot buffer, which sums in slot order):
 *
 * <pre>
 *   layer&lt;l&gt;_peer_experts     (on the peer; runs when a token of the pass chose one of its experts)
 *     host --every execution--&gt; params [U], m rows [U, H], topk_idx and topk_weight [U, k] of the U tokens
 *       with a slot on this device (renumbered 0..U-1, in token order), pack map [1 + S] (count, slots)
 *     host --once--&gt; this device's expert stacks, scratch, slot_out, packed, scale table
 *     {@link RoutedExpertTasks}: group_slots, expert_gate_up/down of this device's experts --&gt; slot_out
 *     gather_rows ({@link HeadKernels#gatherRows}): slot_out[map[1 + r]] --&gt; packed[r], r &lt; S
 *   ---- the host fetches packed rows [0, S) (one partial transfer, 4 H S bytes)
 * </pre>
 *
 * A slot's output depends only on its token's row, expert and weight (the expert kernels keep one
 * accumulator per slot and sum over k in the same order), so renumbering the tokens changes no bit:
 * the result equals the home's own computation of the same slot. TornadoVM has no partial host-to-device
 * copy, so each execution uploads the whole input buffers ({@code 4 H maxTokens + 8 k maxTokens + 4 (2 + k
 * maxTokens)} bytes plus headers, counted as host-to-device bytes); the payload is {@code 8 U k + 4 H U}.
 */
public final class PeerExpertGraph {

    private final BuiltGraph built;
    private final IntArray params;
    private final FloatArray m;
    private final IntArray topIdx;
    private final FloatArray topWeight;
    private final IntArray map;
    private final FloatArray packed;
    private final boolean[] mine;
    private final int hidden;
    private final int topK;

    /**
     * @param mine per routed expert, whether it lives on this graph's device (at least one does)
     */
    public PeerExpertGraph(LLaDA2Config c, int layer, MoeWeights w, boolean[] mine, int maxTokens, long maxPartBytes,
                           GridScheduler grids) {
        this.hidden = c.hiddenSize();
        this.topK = c.numExpertsPerTok();
        this.mine = mine.clone();
        boolean[] elsewhere = new boolean[mine.length];
        for (int e = 0; e < mine.length; e++) {
            elsewhere[e] = !mine[e];
        }
        List<int[]> ranges = MoeTasks.residentRanges(elsewhere, mine.length);
        int slots = maxTokens * topK;
        params = new IntArray(ForwardParams.TOKENS + 1);
        m = new FloatArray(maxTokens * hidden);
        topIdx = new IntArray(slots);
        topWeight = new FloatArray(slots);
        map = new IntArray(ForwardParams.headRowsLength(slots));
        packed = new FloatArray(slots * hidden);
        FloatArray slotOut = new FloatArray(slots * hidden);
        FloatArray scale = WeightDecode.scaleTable();
        GraphBuilder b = new GraphBuilder(TaskName.peerExpertsGraph(layer), grids)
                .uploadEach(params, m, topIdx, topWeight, map)
                .uploadOnce(scale, packed);
        RoutedExpertTasks.add(c, layer, w, ranges, b, m, topIdx, topWeight, params, scale, slotOut, maxTokens,
                maxPartBytes, LayerScratch.own(maxTokens));
        TaskName t = b.task(TaskName.Op.GATHER_ROWS, Grids.items(slots * hidden));
        b.add(createPackage(t.task(), HeadKernels::gatherRows, b.context(), slotOut, map, packed, hidden), packed);
        this.built = b.downloadOnDemand(packed).build();
    }

    public BuiltGraph built() {
        return built;
    }

    /** Per routed expert, whether it lives on this graph's device. */
    public boolean mine(int expert) {
        return mine[expert];
    }

    /**
     * The next execution's inputs, from the home's router outputs and input rows.
     *
     * @param idx    the pass's selected experts {@code [T, k]}
     * @param mix    their weights {@code [T, k]}
     * @param rows   the input rows m {@code [T, H]} (at least those of the tokens routed here)
     * @return the slots (home numbering {@code t k + j}) of this device's experts in packed order, and U
     */
    public Routed set(int[] idx, float[] mix, float[] rows, int tokens) {
        int[] slots = new int[tokens * topK];
        int s = 0;
        int u = 0;
        MemorySegment dst = m.getSegment();
        for (int t = 0; t < tokens; t++) {
            int first = s;
            for (int j = 0; j < topK; j++) {
                if (mine[idx[t * topK + j]]) {
                    slots[s] = t * topK + j;
                    map.set(ForwardParams.HEAD_ROWS + s, u * topK + j);
                    s++;
                }
            }
            if (s > first) {
                MemorySegment.copy(rows, t * hidden, dst, ValueLayout.JAVA_FLOAT, (long) u * hidden * Float.BYTES,
                        hidden);
                for (int j = 0; j < topK; j++) {
                    topIdx.set(u * topK + j, idx[t * topK + j]);
                    topWeight.set(u * topK + j, mix[t * topK + j]);
                }
                u++;
            }
        }
        params.set(ForwardParams.TOKENS, u);
        map.set(ForwardParams.HEAD_COUNT, s);
        return new Routed(u, java.util.Arrays.copyOf(slots, s));
    }

    /** The weighted slot rows of the last execution, {@code [S, H]} in the order of {@link Routed#slots()}. */
    public FloatArray packed() {
        return packed;
    }

    /**
     * What one execution carries.
     *
     * @param tokens U, the tokens with at least one slot on this device
     * @param slots  those slots (home numbering), in packed order
     */
    public record Routed(int tokens, int[] slots) {
    }
}
