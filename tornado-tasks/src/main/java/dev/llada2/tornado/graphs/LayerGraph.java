package dev.llada2.tornado.graphs;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.weights.DenseMlp;
import dev.llada2.weights.LayerWeights;
import dev.llada2.weights.MoeWeights;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.util.List;
import java.util.Optional;

/**
 * One decoder layer, {@code y = x + attention(rmsnorm(x)); y += ffn(rmsnorm(y))}, from the residual
 * stream x that enters it to its own residual buffer y (the next layer's x). Either as tasks in a
 * graph that holds several layers of a device ({@link StageGraphs}: no host synchronisation between
 * them), task ids prefixed {@code layer<l>_}:
 *
 * <pre>
 *   {@link AttentionTasks}: x --&gt; attn_out; y = x + attn_out; y --&gt; m (post-attention norm)
 *   {@link DenseMlpTasks} (dense layer): m --&gt; mlp_out; mlp_residual: y += mlp_out
 *   or {@link MoeTasks} (MoE layer): m --&gt; mlp_out, and y += mlp_out in its combine task
 * </pre>
 *
 * or, for a MoE layer with routed experts away from the device (host memory, other TornadoVM
 * devices), as graphs of its own with the host step between them, followed by the graphs of
 * {@link HostExpertGraphs}:
 *
 * <pre>
 *   layer&lt;l&gt;_attention
 *     entry declared by {@link StageGraphs} (x from the previous graph, or uploaded at a stage start)
 *     host --once--&gt; attention weights, this layer's KV cache, scratch
 *     {@link AttentionTasks}: x --&gt; attn_out; y = x + attn_out; y --&gt; m
 *     kept for the next graph: params, y, scale, cos/sin, m
 *
 *   layer&lt;l&gt;_mlp
 *     from layer&lt;l&gt;_attention: params, y, scale, cos/sin, m
 *     host --once--&gt; feed-forward weights, scratch
 *     {@link MoeTasks}: router, device experts, shared expert (no combine)
 *     kept for the next graph: params, y, scale, cos/sin, shared_out, slot_out
 * </pre>
 *
 * Fetched only when tracing (UNDER_DEMAND): attn_out, mlp_out, y and the router outputs, after the
 * graph that wrote them. Nothing crosses to the host in a normal pass; with experts away from the
 * device the router outputs and some rows of m do (see {@link HostExpertGraphs}).
 */
public final class LayerGraph {

    private final int layer;
    private final List<BuiltGraph> graphs;
    private final FloatArray attnOut;
    private final FloatArray mlpOut;
    private final FloatArray output;
    private final Optional<MoeTasks> moe;
    private final Optional<HostExpertGraphs> hostExperts;
    private final FloatArray normed;

    private LayerGraph(int layer, List<BuiltGraph> graphs, AttentionTasks attention, FloatArray mlpOut,
                       Optional<MoeTasks> moe, Optional<HostExpertGraphs> hostExperts) {
        this.layer = layer;
        this.graphs = graphs;
        this.attnOut = attention.attnOut;
        this.normed = attention.normed;
        this.output = attention.output;
        this.mlpOut = mlpOut;
        this.moe = moe;
        this.hostExperts = hostExperts;
    }

    /**
     * The whole layer as tasks of {@code b}, a graph that the caller opened (params, x, scale and the
     * RoPE tables declared) and closes; the layer declares its weights, cache and scratch and, for
     * traces, attn_out, mlp_out and the router outputs as fetchable.
     *
     * @param input   the residual stream x entering the layer
     * @param scratch the stage's scratch, shared with the other whole layers ({@link LayerScratch#stage})
     */
    static LayerGraph inGraph(LLaDA2Config c, LayerWeights w, SharedBuffers sh, LayerScratch scratch,
                              FloatArray input, GraphBuilder b, long maxPartBytes) {
        int layer = w.index();
        b.scope(TaskName.layerScope(layer));
        AttentionTasks attention = new AttentionTasks(c, w, sh, scratch, input, b, maxPartBytes);
        FloatArray mlpOut = sh.activations(c.hiddenSize());
        b.uploadOnce(mlpOut);
        Optional<MoeTasks> moe = switch (w.ffn()) {
            case DenseMlp dense -> {
                DenseMlpTasks.add(b, dense.mlp(), attention.normed, mlpOut, sh, scratch, maxPartBytes,
                        TaskName.Op.MLP_GATE_UP, TaskName.Op.MLP_DOWN);
                yield Optional.empty();
            }
            case MoeWeights m -> Optional.of(new MoeTasks(c, layer, m, attention.normed, mlpOut, attention.output, sh,
                    scratch, b, maxPartBytes, null));
        };
        if (moe.isEmpty()) {
            AttentionTasks.residual(b, TaskName.Op.MLP_RESIDUAL, mlpOut, attention.output, sh, c.hiddenSize());
        }
        b.scope("").downloadOnDemand(attention.attnOut, mlpOut);
        moe.ifPresent(x -> b.downloadOnDemand(x.routerLogits(), x.topIdx(), x.topWeight()));
        return new LayerGraph(layer, List.of(), attention, mlpOut, moe, Optional.empty());
    }

    /**
     * A MoE layer whose routed experts are partly or wholly away from the device: its attention graph
     * ({@code attention}, opened by the caller: entry buffers declared, named
     * {@link TaskName#attentionGraph}), then graphs of its own.
     *
     * @param input  the residual stream x entering the layer
     * @param onHost per routed expert, whether it lives away from the device (see {@link HostExpertGraphs})
     */
    static LayerGraph split(LLaDA2Config c, LayerWeights w, SharedBuffers sh, FloatArray input, GraphBuilder attention,
                            long maxPartBytes, GridScheduler grids, boolean[] onHost) {
        int layer = w.index();
        MoeWeights m = (MoeWeights) w.ffn();
        LayerScratch own = LayerScratch.own(sh.paddedTokens());
        AttentionTasks tasks = new AttentionTasks(c, w, sh, own, input, attention, maxPartBytes);
        FloatArray y = tasks.output;
        BuiltGraph first = attention.keepOnDevice(sh.params(), y, sh.scale(), sh.rope().cos(), sh.rope().sin(),
                tasks.normed).downloadOnDemand(tasks.attnOut).build();
        GraphBuilder f = new GraphBuilder(TaskName.feedForwardGraph(layer), grids)
                .consume(sh.params(), y, sh.scale(), sh.rope().cos(), sh.rope().sin(), tasks.normed);
        MoeTasks moe = new MoeTasks(c, layer, m, tasks.normed, null, null, sh, own, f, maxPartBytes, onHost);
        f.keepOnDevice(sh.params(), y, sh.scale(), sh.rope().cos(), sh.rope().sin());
        moe.sharedOut().ifPresent(f::keepOnDevice);
        if (moe.residentExperts()) {
            f.keepOnDevice(moe.slotOut());
        }
        BuiltGraph feedForward = f.downloadOnDemand(tasks.normed, moe.routerLogits(), moe.topIdx(), moe.topWeight())
                .build();
        FloatArray mlpOut = sh.activations(c.hiddenSize());
        HostExpertGraphs host = new HostExpertGraphs(c, layer, moe, mlpOut, y, sh, grids);
        return new LayerGraph(layer, List.of(first, feedForward, host.slotsIn(), host.combine()), tasks, mlpOut,
                Optional.of(moe), Optional.of(host));
    }

    public int layer() {
        return layer;
    }

    /**
     * The graphs of its own, in execution order: none for a layer inside a graph of several layers;
     * with experts away from the device four (attention, router and device experts, host slots, combine).
     */
    public List<BuiltGraph> graphs() {
        return graphs;
    }

    /** The graphs after the router graph when some routed experts live away from the device. */
    public Optional<HostExpertGraphs> hostExperts() {
        return hostExperts;
    }

    /** The feed-forward's input m (post-attention norm) {@code [T, H]}; fetched for host experts. */
    public FloatArray normed() {
        return normed;
    }

    /** {@code attn_out} of the last pass (fetchable after the graph that holds the layer's attention). */
    public FloatArray attnOut() {
        return attnOut;
    }

    /**
     * {@code mlp_out} of the last pass (fetchable after the layer's graph, or after the combine graph
     * with experts away from the device).
     */
    public FloatArray mlpOut() {
        return mlpOut;
    }

    /** The layer's output, the residual stream after it {@code [T, H]} (traced as {@code layer_out}). */
    public FloatArray output() {
        return output;
    }

    /** Router outputs of a MoE layer. */
    public Optional<MoeTasks> moe() {
        return moe;
    }
}
