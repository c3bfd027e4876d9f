package dev.llada2.tornado.graphs;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.weights.LLaDA2Weights;
import dev.llada2.weights.LayerWeights;
import dev.llada2.weights.MoeWeights;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The graphs of one device's span of the model (embedding?, layers {@code [first, end)}, head?), in
 * execution order. Consecutive layers that need no host step between them share a graph, with the
 * embedding in front of the device's first one:
 *
 * <pre>
 *   embedding_layers&lt;a&gt;_&lt;b&gt;   gather; layer a; ...; layer b        (one graph execution)
 *   layers&lt;b+1&gt;_&lt;c&gt;           the layers that did not fit TornadoVM's task buffer of the graph before
 *   layer&lt;l&gt;_attention, layer&lt;l&gt;_mlp, layer&lt;l&gt;_mlp_host_in, layer&lt;l&gt;_mlp_combine
 *                             a MoE layer with routed experts away from the device: the host computes
 *                             between its graphs ({@link LayerGraph#split})
 *   layers&lt;l+1&gt;_&lt;d&gt;[_head]    the whole layers after it; the device's last layers' graph ends with the
 *                             head's first chunk of rows when it fits there ({@link HeadGraph#appendTo})
 *   head_more_rows            the head's further chunks of rows ({@link HeadGraph#moreRows()})
 *   head                      instead, the head in a graph of its own ({@link HeadGraph#own}): when the last
 *                             layer is split around experts away from the device, or no room is left
 * </pre>
 *
 * A graph holds as many whole layers as TornadoVM's fixed limits take
 * ({@link GraphBuilder#fitsTornadoVM()}: 7 MoE layers with attention's merge task, or the embedding,
 * the dense layer 0 and 7): each layer's tasks are recorded in a {@link GraphBuilder#fragment} first and
 * appended to the open graph while they fit, and so is the head after the last layer. So a greedy pass
 * whose rows fit one chunk, on a device whose layers all keep their experts, is about
 * {@code ceil(layers / 7)} graph executions when the head fits the last graph (1 on the 4-layer test
 * models, 3 on mini's 20, 5 on flash's 32), one more when it does not. Each layer writes its own residual buffer ({@link
 * LayerGraph#output()}), so every layer's output is still on the device after the graph for a trace to
 * fetch, and the stage's residual after its last layer is that layer's buffer (the head's input, the
 * pipeline's hand-off).
 *
 * <p>Between graphs the buffers pass by {@code persistOnDevice}/{@code consumeFromDevice} (TornadoVM
 * links a consumed buffer to the graph executed just before): params, the current residual buffer,
 * the decode scale table and, once a graph with RoPE tasks has declared them, the RoPE tables. The
 * first graph of a stage uploads params every pass (and, without the embedding, the residual stream
 * handed on by the previous stage); the first graph with RoPE tasks owns the tables (a buffer declared
 * in a graph that no task of it uses is never allocated).
 */
public final class StageGraphs {

    /** The embedding's, a whole layer's or the head's ({@code head}) tasks, waiting for their graph. */
    private record Fragment(GraphBuilder tasks, Optional<LayerGraph> layer, boolean head) {
        Fragment(GraphBuilder tasks, Optional<LayerGraph> layer) {
            this(tasks, layer, false);
        }
    }

    private final SharedBuffers sh;
    private final GridScheduler grids;
    private final List<BuiltGraph> graphs = new ArrayList<>();
    private final List<LayerGraph> layers = new ArrayList<>();
    private final List<Integer> layerGraph = new ArrayList<>();
    private FloatArray residual;
    private boolean stageStarted;
    private boolean ropeDeclared;
    private Optional<HeadGraph> head = Optional.empty();

    private StageGraphs(SharedBuffers sh, GridScheduler grids) {
        this.sh = sh;
        this.grids = grids;
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
        StageGraphs s = new StageGraphs(sh, grids);
        LLaDA2Config c = w.config();
        List<Fragment> run = new ArrayList<>();
        if (embedding) {
            GraphBuilder f = s.fragment();
            EmbeddingGraph.add(f, DeviceMatrix.upload(w.embeddings(), maxPartBytes), sh);
            run.add(new Fragment(f, Optional.empty()));
        }
        FloatArray x = sh.hidden();
        LayerScratch scratch = LayerScratch.stage(sh);
        for (int l = first; l < end; l++) {
            LayerWeights lw = w.layers().get(l);
            if (lw.ffn() instanceof MoeWeights && onHost[l] != null) {
                s.pack(run);
                run.clear();
                GraphBuilder attention = s.open(TaskName.attentionGraph(l));
                LayerGraph g = LayerGraph.split(c, lw, sh, x, attention, maxPartBytes, grids, onHost[l]);
                s.layerGraph.add(s.graphs.size());
                s.graphs.addAll(g.graphs());
                s.layers.add(g);
                s.residual = g.output();
                x = g.output();
            } else {
                GraphBuilder f = s.fragment();
                LayerGraph g = LayerGraph.inGraph(c, lw, sh, scratch, x, f, maxPartBytes);
                run.add(new Fragment(f, Optional.of(g)));
                x = g.output();
            }
        }
        HeadGraph h = withHead ? new HeadGraph(c, w.finalNorm(), MatMulTasks.upload(w.lmHead(), maxPartBytes), sh,
                headRows, grids) : null;
        if (withHead && !run.isEmpty()) {
            GraphBuilder f = s.fragment();
            h.appendTo(f, x);
            run.add(new Fragment(f, Optional.empty(), true));
        }
        boolean headPacked = s.pack(run);
        if (withHead) {
            s.head = Optional.of(h);
            s.graphs.add(headPacked ? h.moreRows() : h.own(s.residual));
        }
        return s;
    }

    /**
     * Packs a run of fragments (the embedding first, if there, then whole layers, then the head, if
     * there) into as few graphs as TornadoVM's limits allow, in order: each graph takes fragments while
     * the whole graph, declarations included, still fits ({@link GraphBuilder#fitsTornadoVM()}, exact
     * counts). The head joins the graph of the last layers or none: it does not start a graph.
     *
     * @return whether the head (the run's last fragment, if it is one) is in a graph
     */
    private boolean pack(List<Fragment> run) {
        int from = 0;
        while (from < run.size()) {
            if (run.get(from).head()) {
                return false;
            }
            int to = from + 1;
            Packed p = graphOf(run.subList(from, to));
            while (to < run.size()) {
                Packed wider = graphOf(run.subList(from, to + 1));
                if (!wider.builder().fitsTornadoVM()) {
                    break;
                }
                p = wider;
                to++;
            }
            stageStarted = true;
            ropeDeclared = p.ropeDeclared();
            residual = p.residual();
            for (Fragment f : run.subList(from, to)) {
                f.layer().ifPresent(g -> {
                    layerGraph.add(graphs.size());
                    layers.add(g);
                });
            }
            graphs.add(p.builder().build());
            from = to;
        }
        return !run.isEmpty() && run.getLast().head();
    }

    /** A graph of fragments before it is built, and the stage's state after it. */
    private record Packed(GraphBuilder builder, boolean ropeDeclared, FloatArray residual) {
    }

    /**
     * The graph of {@code fragments} after the graphs so far, without changing this stage: params, the
     * residual and tables taken over or declared ({@link #open}), the fragments, then params, the
     * residual, scale and RoPE tables handed on and the other layer outputs and the embeddings made
     * fetchable.
     */
    private Packed graphOf(List<Fragment> fragments) {
        boolean withEmbedding = fragments.getFirst().layer().isEmpty();
        List<LayerGraph> in = fragments.stream().flatMap(f -> f.layer().stream()).toList();
        String name = in.isEmpty() ? TaskName.EMBEDDING_GRAPH
                : TaskName.layersGraph(in.getFirst().layer(), in.getLast().layer(), withEmbedding,
                fragments.getLast().head());
        GraphBuilder b = new GraphBuilder(name, grids);
        boolean rope = ropeDeclared;
        if (!withEmbedding) {
            declareEntry(b, stageStarted, rope);
            rope = true;
        }
        List<FloatArray> traced = new ArrayList<>();
        if (withEmbedding && !in.isEmpty()) {
            traced.add(sh.hidden());
        }
        FloatArray out = residual;
        for (Fragment f : fragments) {
            if (f.layer().isPresent() && !rope) {
                b.uploadOnce(sh.rope().cos(), sh.rope().sin());
                rope = true;
            }
            b.append(f.tasks());
            if (f.layer().isPresent()) {
                out = f.layer().get().output();
                traced.add(out);
            }
        }
        FloatArray last = out;
        traced.removeIf(t -> t == last);
        b.keepOnDevice(sh.params(), out, sh.scale());
        if (rope) {
            b.keepOnDevice(sh.rope().cos(), sh.rope().sin());
        }
        if (!traced.isEmpty()) {
            b.downloadOnDemand(traced.toArray(FloatArray[]::new));
        }
        return new Packed(b, rope, out);
    }

    /**
     * A new graph of layer tasks: params, the residual stream and the scale table uploaded (the stage's
     * first graph) or taken from the previous graph; the RoPE tables taken over, or declared by the
     * first graph with RoPE tasks.
     */
    private GraphBuilder open(String name) {
        GraphBuilder b = new GraphBuilder(name, grids);
        declareEntry(b, stageStarted, ropeDeclared);
        stageStarted = true;
        ropeDeclared = true;
        return b;
    }

    private void declareEntry(GraphBuilder b, boolean started, boolean rope) {
        if (started) {
            b.consume(sh.params(), residual, sh.scale());
        } else {
            b.uploadEach(sh.params(), residual).uploadOnce(sh.scale());
        }
        if (rope) {
            b.consume(sh.rope().cos(), sh.rope().sin());
        } else {
            b.uploadOnce(sh.rope().cos(), sh.rope().sin());
        }
    }

    /** A fragment for the tasks of the embedding or a whole layer. */
    private GraphBuilder fragment() {
        return GraphBuilder.fragment(grids);
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
