package dev.llada2.tornado.graphs;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.tornado.kernels.MoeKernels;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

/**
 * The feed-forward of a MoE layer whose home is a TornadoVM device while some (or all) of its routed
 * experts live in host memory on CPU devices (llama.cpp's {@code --cpu-moe} / {@code --n-cpu-moe}
 * layout). The layer's feed-forward becomes three graphs with a host step between the first two:
 *
 * <pre>
 *   layer&lt;l&gt;_mlp               (runs once)
 *     from layer&lt;l&gt;_attention: params, y (the layer's residual buffer), scale, cos/sin, m
 *     {@link MoeTasks} without the combine: router --&gt; topk_idx, topk_weight; the device-resident
 *       experts --&gt; their slots of slot_out; shared expert --&gt; shared_out
 *     kept for the next graph: params, y, scale, cos/sin, shared_out, slot_out (if it wrote any)
 *   ---- the graph ends; the host fetches (partial transfers, device --&gt; host):
 *     topk_idx, topk_weight                       8 T k bytes
 *     the rows of m of the U tokens that chose at least one host expert (one transfer per run of
 *       consecutive tokens)                       4 H U bytes
 *   ---- the CPU devices run their selected experts ({@code RoutedExperts}, the CPU engine's code):
 *     slot s = (t, j) of a host expert: weights[s] * expert(m[t])  --&gt; S rows, one per host slot
 *   layer&lt;l&gt;_mlp_host_in      (runs ceil(S / C) times, at least once; C = chunk rows = maxTokens)
 *     host --every execution--&gt; rows [C, H] (up to C host slot rows), map [1 + C] (count, slot ids)
 *     scatter_slots   rows --&gt; slot_out[map[1 + r]]     (owns slot_out when no expert is on the device)
 *     kept for the next graph (itself, or the combine): everything it received
 *   layer&lt;l&gt;_mlp_combine
 *     combine         slot_out in slot order + shared_out --&gt; mlp_out (the all-on-device order); y += mlp_out
 *     kept for the next layer: params, y, scale, cos/sin
 * </pre>
 *
 * What crosses per pass of T tokens for such a layer (k = experts per token, H = hidden size, U and
 * S as above): down {@code 8 T k + 4 H U} bytes, up {@code 4 H S} bytes of payload, which the engine
 * counts as hand-off ({@code EngineStats.handoffBytes}: {@code 8 T k + 4 H (U + S)}). TornadoVM has no
 * partial host-to-device copy, so each execution of the scatter graph uploads its whole chunk:
 * {@code 4 H C + 4 (1 + C)} bytes plus two 16-byte headers, counted as host-to-device bytes. The
 * per-pass upload is therefore at most one chunk above the payload. Everything else (KV cache,
 * activations, the router, the shared expert) stays on the device.
 */
public final class HostExpertGraphs {

    private final BuiltGraph slotsIn;
    private final BuiltGraph combine;
    private final FloatArray rows;
    private final IntArray map;
    private final int chunkRows;
    private final int hidden;

    /** @param y the layer's residual buffer (x + attn_out when the graphs start) */
    HostExpertGraphs(LLaDA2Config c, int layer, MoeTasks moe, FloatArray mlpOut, FloatArray y, SharedBuffers sh,
                     GridScheduler grids) {
        this.hidden = c.hiddenSize();
        this.chunkRows = sh.maxTokens();
        this.rows = new FloatArray(chunkRows * hidden);
        this.map = new IntArray(1 + chunkRows);
        // what the three graphs hand on: the shared buffers, shared_out, and slot_out once written
        List<TornadoNativeArray> carried = new ArrayList<>(List.of(sh.params(), y, sh.scale(),
                sh.rope().cos(), sh.rope().sin()));
        moe.sharedOut().ifPresent(carried::add);

        GraphBuilder r = new GraphBuilder(TaskName.hostSlotsGraph(layer), grids);
        if (moe.residentExperts()) {
            carried.add(moe.slotOut());
            r.consume(array(carried));
        } else {
            r.consume(array(carried)).uploadOnce(moe.slotOut());
            carried.add(moe.slotOut());
        }
        r.uploadEach(rows, map);
        TaskName t = r.task(TaskName.Op.SCATTER_SLOTS, Grids.items(chunkRows * hidden));
        r.add(createPackage(t.task(), MoeKernels::scatterSlots, r.context(), rows, map, moe.slotOut(), hidden), moe.slotOut());
        this.slotsIn = r.keepOnDevice(array(carried)).build();

        GraphBuilder f = new GraphBuilder(TaskName.combineGraph(layer), grids)
                .consume(array(carried))
                .uploadOnce(mlpOut);
        moe.combine(f, sh, mlpOut, y, hidden);
        this.combine = f.keepOnDevice(sh.params(), y, sh.scale(), sh.rope().cos(), sh.rope().sin())
                .downloadOnDemand(mlpOut)
                .build();
    }

    private static TornadoNativeArray[] array(List<TornadoNativeArray> list) {
        return list.toArray(TornadoNativeArray[]::new);
    }

    /** The scatter graph ({@code layer<l>_mlp_host_in}): one chunk of host slot outputs per execution. */
    public BuiltGraph slotsIn() {
        return slotsIn;
    }

    /** The combine graph ({@code layer<l>_mlp_combine}), after the last chunk. */
    public BuiltGraph combine() {
        return combine;
    }

    /** Host slot rows one execution of {@link #slotsIn()} carries. */
    public int chunkRows() {
        return chunkRows;
    }

    /**
     * Prepares the next execution of {@link #slotsIn()}: rows {@code [from, to)} of the host slot
     * list, i.e. {@code slotOut[hostSlots[i]]} for i in that range ({@code to - from <= chunkRows}).
     *
     * @param slotOut   host-computed weighted outputs {@code [T k, H]}, indexed by slot
     * @param hostSlots the slots of host experts, in increasing order
     */
    public void setChunk(float[] slotOut, int[] hostSlots, int from, int to) {
        MemorySegment dst = rows.getSegment();
        for (int i = from; i < to; i++) {
            MemorySegment.copy(slotOut, hostSlots[i] * hidden, dst, ValueLayout.JAVA_FLOAT,
                    (long) (i - from) * hidden * Float.BYTES, hidden);
            map.set(1 + i - from, hostSlots[i]);
        }
        map.set(0, to - from);
    }
}
