package dev.llada2.tornado.graphs;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.weights.LLaDA2Weights;
import dev.llada2.weights.LayerWeights;
import dev.llada2.weights.MoeWeights;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The graphs of one device's span of the model (embedding?, layers {@code [first, end)}, head?), in
 * execution order. Consecutive layers that need no host step between them share one graph, with the
 * embedding in front of the device's first run:
 *
 * <pre>
 *   embedding_layers&lt;a&gt;_&lt;b&gt;   gather; layer a; ...; layer b        (one graph execution)
 *   layer&lt;l&gt;_attention, layer&lt;l&gt;_mlp, layer&lt;l&gt;_mlp_host_in, layer&lt;l&gt;_mlp_combine
 *                             a MoE layer with routed experts away from the device: the host computes
 *                             between its graphs ({@link LayerGraph#split})
 *   layers&lt;c&gt;_&lt;d&gt;             the whole layers after it
 *   head                      final norm, LM head, greedy read-out (run per head chunk, or not at all)
 * </pre>
 *
 * So a pass on a device whose layers all keep their experts is two graph executions: {@code
 * embedding_layers0_<L-1>} and {@code head} (one more per head chunk beyond the first). Each layer
 * writes its own residual buffer ({@link LayerGraph#output()}), so every layer's output is still on the
 * device after the graph for a trace to fetch, and the stage's residual after its last layer is that
 * layer's buffer (the head's input, the pipeline's hand-off).
 *
 * <p>Between graphs the buffers pass by {@code persistOnDevice}/{@code consumeFromDevice} (TornadoVM
 * links a consumed buffer to the graph executed just before): params, the current residual buffer,
 * the decode scale table and, once a graph with RoPE tasks has declared them, the RoPE tables. The
 * first graph of a stage uploads params every pass (and, without the embedding, the residual stream
 * handed on by the previous stage); the first graph with RoPE tasks owns the tables (a buffer declared
 * in a graph that no task of it uses is never allocated).
 */
public final class StageGraphs {

    private final LLaDA2Config c;
    private final SharedBuffers sh;
    private final GridScheduler grids;
    private final long maxPartBytes;
    private final List<BuiltGraph> graphs = new ArrayList<>();
    private final List<LayerGraph> layers = new ArrayList<>();
    private final List<Integer> layerGraph = new ArrayList<>();
    /** Buffers a trace fetches after the open graph that the graph does not hand on. */
    private final List<FloatArray> traced = new ArrayList<>();
    private FloatArray residual;
    private boolean ropeDeclared;
    private boolean stageStarted;
    private Optional<HeadGraph> head = Optional.empty();

    private StageGraphs(LLaDA2Config c, SharedBuffers sh, GridScheduler grids, long maxPartBytes) {
        this.c = c;
        this.sh = sh;
        this.grids = grids;
        this.maxPartBytes = maxPartBytes;
        this.residual = sh.hidden();
    }

    /**
     * Builds the graphs of layers {@code [first, end)} with the embedding in front ({@code embedding})
     * and the head behind ({@code withHead}).
     *
     * @param onHost per layer (absolute index), which routed experts live away from this device; a null
     *               row = none
     */
    public static StageGraphs build(LLaDA2Weights w, int first, int end, boolean embedding, boolean withHead,
                                    SharedBuffers sh, boolean[][] onHost, long maxPartBytes, int headRows,
                                    GridScheduler grids) {
        StageGraphs s = new StageGraphs(w.config(), sh, grids, maxPartBytes);
        GraphBuilder open = null;
        if (embedding) {
            int wholeEnd = wholeEnd(w, first, end, onHost);
            open = new GraphBuilder(wholeEnd > first ? TaskName.layersGraph(first, wholeEnd - 1, true)
                    : TaskName.EMBEDDING_GRAPH, grids);
            EmbeddingGraph.add(open, DeviceMatrix.upload(w.embeddings(), maxPartBytes), sh);
            s.stageStarted = true;
            if (wholeEnd == first) {
                s.close(open);
                open = null;
            } else {
                s.traced.add(sh.hidden());
            }
        }
        for (int l = first; l < end; l++) {
            LayerWeights lw = w.layers().get(l);
            LayerGraph g;
            if (split(lw, onHost)) {
                GraphBuilder attention = s.open(TaskName.attentionGraph(l));
                g = LayerGraph.split(s.c, lw, sh, s.residual, attention, maxPartBytes, grids, onHost[l]);
                s.layerGraph.add(s.graphs.size());
                s.graphs.addAll(g.graphs());
            } else {
                if (open == null) {
                    open = s.open(TaskName.layersGraph(l, wholeEnd(w, l, end, onHost) - 1, false));
                }
                g = LayerGraph.inGraph(s.c, lw, sh, s.residual, open, maxPartBytes);
                s.layerGraph.add(s.graphs.size());
                s.traced.add(g.output());
            }
            s.residual = g.output();
            s.layers.add(g);
            if (open != null && (l + 1 == end || split(w.layers().get(l + 1), onHost))) {
                s.close(open);
                open = null;
            }
        }
        if (withHead) {
            HeadGraph h = new HeadGraph(s.c, w.finalNorm(), DeviceMatrix.upload(w.lmHead(), maxPartBytes), sh,
                    s.residual, headRows, grids);
            s.head = Optional.of(h);
            s.graphs.add(h.built());
        }
        return s;
    }

    /** Whether a layer runs as graphs of its own around a host step (some routed experts away from the device). */
    private static boolean split(LayerWeights l, boolean[][] onHost) {
        return l.ffn() instanceof MoeWeights && onHost[l.index()] != null;
    }

    /** The end of the run of whole layers from {@code from}: the next split layer, or {@code end}. */
    private static int wholeEnd(LLaDA2Weights w, int from, int end, boolean[][] onHost) {
        int l = from;
        while (l < end && !split(w.layers().get(l), onHost)) {
            l++;
        }
        return l;
    }

    /**
     * A new graph of layer tasks: params, the residual stream and the scale table uploaded (the stage's
     * first graph) or taken from the previous graph, and the RoPE tables taken over or, in the first
     * graph with RoPE tasks, declared.
     */
    private GraphBuilder open(String name) {
        GraphBuilder b = new GraphBuilder(name, grids);
        if (stageStarted) {
            b.consume(sh.params(), residual, sh.scale());
        } else {
            b.uploadEach(sh.params(), residual).uploadOnce(sh.scale());
            stageStarted = true;
        }
        if (ropeDeclared) {
            b.consume(sh.rope().cos(), sh.rope().sin());
        } else {
            b.uploadOnce(sh.rope().cos(), sh.rope().sin());
            ropeDeclared = true;
        }
        return b;
    }

    /** Hands params, the residual, scale and RoPE tables on, makes the traced buffers fetchable, builds. */
    private void close(GraphBuilder b) {
        b.keepOnDevice(sh.params(), residual, sh.scale());
        if (ropeDeclared) {
            b.keepOnDevice(sh.rope().cos(), sh.rope().sin());
        }
        traced.removeIf(t -> t == residual);
        if (!traced.isEmpty()) {
            b.downloadOnDemand(traced.toArray(FloatArray[]::new));
        }
        traced.clear();
        graphs.add(b.build());
    }

    /** Every graph, in execution order. */
    public List<BuiltGraph> graphs() {
        return graphs;
    }

    /** The layers, in order. */
    public List<LayerGraph> layers() {
        return layers;
    }

    /** Per layer (stage-relative), the index in {@link #graphs()} of its graph (with experts away, its first). */
    public int[] layerGraph() {
        return layerGraph.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The residual stream after the stage's last layer (the head's input, the pipeline's hand-off). */
    public FloatArray residual() {
        return residual;
    }

    public Optional<HeadGraph> head() {
        return head;
    }
}
