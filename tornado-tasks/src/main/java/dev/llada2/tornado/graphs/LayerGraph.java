package dev.llada2.tornado.graphs;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.weights.DenseMlp;
import dev.llada2.weights.LayerWeights;
import dev.llada2.weights.MoeWeights;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.util.Optional;

/**
 * The graph of one decoder layer, {@code h += attention(rmsnorm(h)); h += ffn(rmsnorm(h))}:
 *
 * <pre>
 *   from the previous graph (consumeFromDevice): params, hidden, scale, cos/sin
 *     (a stage's first graph on a device instead uploads params and hidden every pass and owns
 *      scale; layer 0 of a device owns cos/sin)
 *   host --once--&gt; this layer's weights, its KV cache, its scratch
 *
 *   attention half ({@link AttentionTasks})   hidden --&gt; attn_out; hidden += attn_out; --&gt; m
 *   feed-forward   ({@link DenseMlpTasks} for a dense layer, {@link MoeTasks} for a MoE layer)
 *                                              m --&gt; mlp_out
 *   mlp_residual                               hidden += mlp_out
 *
 *   kept on device for the next graph: params, hidden, scale, cos/sin
 *   fetched only when tracing (UNDER_DEMAND): attn_out, mlp_out, hidden, router outputs
 * </pre>
 *
 * 15 to 19 tasks (plus one per extra weight part). Nothing crosses to the host in a normal pass.
 */
public final class LayerGraph {

    /** How a layer graph gets the buffers shared by the graphs of its device. */
    public enum Entry {
        /** Layer 0 after the embedding graph: consumes params/hidden/scale, owns the RoPE tables. */
        AFTER_EMBEDDING,
        /** Any later layer on the same device: consumes everything from the previous layer graph. */
        AFTER_LAYER,
        /** First layer of a later pipeline stage: the host uploads params and hidden every pass. */
        STAGE_START
    }

    private final int layer;
    private final BuiltGraph built;
    private final FloatArray attnOut;
    private final FloatArray mlpOut;
    private final Optional<MoeTasks> moe;
    private final long cacheBytes;

    public LayerGraph(LLaDA2Config c, LayerWeights w, SharedBuffers sh, Entry entry, long maxPartBytes,
                      GridScheduler grids) {
        this.layer = w.index();
        GraphBuilder b = new GraphBuilder(TaskName.layerGraph(layer), grids);
        switch (entry) {
            case AFTER_EMBEDDING -> b.consume(sh.params(), sh.hidden(), sh.scale())
                    .uploadOnce(sh.rope().cos(), sh.rope().sin());
            case AFTER_LAYER -> b.consume(sh.params(), sh.hidden(), sh.scale(), sh.rope().cos(), sh.rope().sin());
            case STAGE_START -> b.uploadEach(sh.params(), sh.hidden())
                    .uploadOnce(sh.scale(), sh.rope().cos(), sh.rope().sin());
        }
        AttentionTasks attention = new AttentionTasks(c, w, sh, b, maxPartBytes);
        this.attnOut = attention.attnOut;
        this.cacheBytes = attention.cacheBytes;
        this.mlpOut = sh.activations(c.hiddenSize());
        b.uploadOnce(mlpOut);
        this.moe = switch (w.ffn()) {
            case DenseMlp dense -> {
                DenseMlpTasks.add(b, dense.mlp(), attention.normed, mlpOut, sh, maxPartBytes, TaskName.Op.MLP_GATE_UP,
                        TaskName.Op.MLP_DOWN);
                yield Optional.empty();
            }
            case MoeWeights m -> Optional.of(new MoeTasks(c, layer, m, attention.normed, mlpOut, sh, b, maxPartBytes));
        };
        AttentionTasks.residual(b, TaskName.Op.MLP_RESIDUAL, mlpOut, sh, c.hiddenSize());
        b.keepOnDevice(sh.params(), sh.hidden(), sh.scale(), sh.rope().cos(), sh.rope().sin())
                .downloadOnDemand(attnOut, mlpOut);
        moe.ifPresent(x -> b.downloadOnDemand(x.routerLogits(), x.topIdx(), x.topWeight()));
        this.built = b.build();
    }

    public int layer() {
        return layer;
    }

    public BuiltGraph built() {
        return built;
    }

    /** {@code attn_out} of the last pass (valid after fetching). */
    public FloatArray attnOut() {
        return attnOut;
    }

    /** {@code mlp_out} of the last pass (valid after fetching). */
    public FloatArray mlpOut() {
        return mlpOut;
    }

    /** Router outputs of a MoE layer. */
    public Optional<MoeTasks> moe() {
        return moe;
    }

    /** Bytes of this layer's KV cache on the device. */
    public long cacheBytes() {
        return cacheBytes;
    }
}
