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
 * The graph of one decoder layer, {@code h += attention(rmsnorm(h)); h += ffn(rmsnorm(h))}: one graph
 * execution (one host synchronisation) per layer and pass. TornadoVM 5.2 compiles each graph into a
 * bytecode buffer of {@code -Dtornado.tvm.maxbytecodesize} bytes, 4096 by default, which a whole MoE
 * layer with split weights can exceed; {@link GraphBuilder} raises the default.
 *
 * <pre>
 *   layer&lt;l&gt;
 *     from the previous graph (consumeFromDevice): params, hidden, scale, cos/sin
 *       (a pipeline stage's first graph instead uploads params and hidden every pass and owns scale;
 *        the first layer of a device owns cos/sin)
 *     host --once--&gt; attention and feed-forward weights, this layer's KV cache, scratch
 *     {@link AttentionTasks}: hidden --&gt; attn_out; hidden += attn_out; hidden --&gt; m (post-attention norm)
 *     {@link DenseMlpTasks} (dense layer) or {@link MoeTasks} (MoE layer): m --&gt; mlp_out
 *     mlp_residual: hidden += mlp_out
 *     kept for the next graph: params, hidden, scale, cos/sin
 * </pre>
 *
 * A MoE layer with routed experts in host memory keeps the split in two graphs, followed by the
 * graphs of {@link HostExpertGraphs} (the host computes between them):
 *
 * <pre>
 *   layer&lt;l&gt;_attention
 *     from the previous graph (consumeFromDevice): params, hidden, scale, cos/sin
 *       (a pipeline stage's first graph instead uploads params and hidden every pass and owns scale;
 *        the first layer of a device owns cos/sin)
 *     host --once--&gt; attention weights, this layer's KV cache, scratch
 *     {@link AttentionTasks}: hidden --&gt; attn_out; hidden += attn_out; hidden --&gt; m (post-attention norm)
 *     kept for the next graph: params, hidden, scale, cos/sin, m
 *
 *   layer&lt;l&gt;_mlp
 *     from layer&lt;l&gt;_attention: params, hidden, scale, cos/sin, m
 *     host --once--&gt; feed-forward weights, scratch
 *     {@link MoeTasks}: router, device experts, shared expert (no combine)
 *     kept for the next graph: params, hidden, scale, cos/sin, shared_out, slot_out
 * </pre>
 *
 * Fetched only when tracing (UNDER_DEMAND): attn_out, mlp_out, hidden and the router outputs, after
 * the layer's graph (or the graph that wrote them). Nothing crosses to the host in a normal pass; with
 * host-resident experts the router outputs and some rows of m do (see {@link HostExpertGraphs}).
 */
public final class LayerGraph {

    /** How a layer gets the buffers shared by the graphs of its device. */
    public enum Entry {
        /** Layer 0 after the embedding graph: consumes params/hidden/scale, owns the RoPE tables. */
        AFTER_EMBEDDING,
        /** Any later layer on the same device: consumes everything from the previous layer's graph. */
        AFTER_LAYER,
        /** First layer of a later pipeline stage: the host uploads params and hidden every pass. */
        STAGE_START
    }

    private final int layer;
    private final BuiltGraph first;
    private final Optional<BuiltGraph> feedForward;
    private final FloatArray attnOut;
    private final FloatArray mlpOut;
    private final Optional<MoeTasks> moe;
    private final Optional<HostExpertGraphs> hostExperts;
    private final FloatArray normed;

    /**
     * @param onHost for a MoE layer, per routed expert whether it lives in host memory (see
     *               {@link HostExpertGraphs}); null when every expert is on the device
     */
    public LayerGraph(LLaDA2Config c, LayerWeights w, SharedBuffers sh, Entry entry, long maxPartBytes,
                      GridScheduler grids, boolean[] onHost) {
        this.layer = w.index();
        boolean split = w.ffn() instanceof MoeWeights && onHost != null;
        GraphBuilder a = new GraphBuilder(split ? TaskName.attentionGraph(layer) : TaskName.layerGraph(layer), grids);
        switch (entry) {
            case AFTER_EMBEDDING -> a.consume(sh.params(), sh.hidden(), sh.scale())
                    .uploadOnce(sh.rope().cos(), sh.rope().sin());
            case AFTER_LAYER -> a.consume(sh.params(), sh.hidden(), sh.scale(), sh.rope().cos(), sh.rope().sin());
            case STAGE_START -> a.uploadEach(sh.params(), sh.hidden())
                    .uploadOnce(sh.scale(), sh.rope().cos(), sh.rope().sin());
        }
        AttentionTasks attentionTasks = new AttentionTasks(c, w, sh, a, maxPartBytes);
        this.attnOut = attentionTasks.attnOut;
        this.normed = attentionTasks.normed;
        this.mlpOut = sh.activations(c.hiddenSize());
        if (split) {
            MoeWeights m = (MoeWeights) w.ffn();
            this.first = a.keepOnDevice(sh.params(), sh.hidden(), sh.scale(), sh.rope().cos(), sh.rope().sin(),
                    normed).downloadOnDemand(attnOut).build();
            GraphBuilder f = new GraphBuilder(TaskName.feedForwardGraph(layer), grids)
                    .consume(sh.params(), sh.hidden(), sh.scale(), sh.rope().cos(), sh.rope().sin(), normed);
            MoeTasks tasks = new MoeTasks(c, layer, m, normed, null, sh, f, maxPartBytes, onHost);
            f.keepOnDevice(sh.params(), sh.hidden(), sh.scale(), sh.rope().cos(), sh.rope().sin());
            tasks.sharedOut().ifPresent(f::keepOnDevice);
            if (tasks.residentExperts()) {
                f.keepOnDevice(tasks.slotOut());
            }
            this.moe = Optional.of(tasks);
            this.feedForward = Optional.of(f.downloadOnDemand(normed, tasks.routerLogits(), tasks.topIdx(),
                    tasks.topWeight()).build());
            this.hostExperts = Optional.of(new HostExpertGraphs(c, layer, tasks, mlpOut, sh, grids));
            return;
        }
        GraphBuilder f = a.uploadOnce(mlpOut);
        this.moe = switch (w.ffn()) {
            case DenseMlp dense -> {
                DenseMlpTasks.add(f, dense.mlp(), normed, mlpOut, sh, maxPartBytes, TaskName.Op.MLP_GATE_UP,
                        TaskName.Op.MLP_DOWN);
                yield Optional.empty();
            }
            case MoeWeights m -> Optional.of(new MoeTasks(c, layer, m, normed, mlpOut, sh, f, maxPartBytes, null));
        };
        AttentionTasks.residual(f, TaskName.Op.MLP_RESIDUAL, mlpOut, sh, c.hiddenSize());
        f.keepOnDevice(sh.params(), sh.hidden(), sh.scale(), sh.rope().cos(), sh.rope().sin())
                .downloadOnDemand(attnOut, mlpOut);
        moe.ifPresent(x -> f.downloadOnDemand(x.routerLogits(), x.topIdx(), x.topWeight()));
        this.first = f.build();
        this.feedForward = Optional.empty();
        this.hostExperts = Optional.empty();
    }

    public int layer() {
        return layer;
    }

    /** Every graph of the layer, in execution order: the whole layer, or with host-resident experts four. */
    public List<BuiltGraph> graphs() {
        return hostExperts.map(x -> List.of(first, feedForward.orElseThrow(), x.slotsIn(), x.combine()))
                .orElse(List.of(first));
    }

    /** The graphs after {@link #feedForward()} when some routed experts live in host memory. */
    public Optional<HostExpertGraphs> hostExperts() {
        return hostExperts;
    }

    /** The feed-forward's input m (post-attention norm) {@code [T, H]}; fetched for host experts. */
    public FloatArray normed() {
        return normed;
    }

    /** {@code attn_out} of the last pass (valid after fetching from the result of the layer's first graph). */
    public FloatArray attnOut() {
        return attnOut;
    }

    /**
     * {@code mlp_out} of the last pass (valid after fetching from the result of the layer's graph, or of
     * the combine graph with host-resident experts).
     */
    public FloatArray mlpOut() {
        return mlpOut;
    }

    /** Router outputs of a MoE layer. */
    public Optional<MoeTasks> moe() {
        return moe;
    }
}
