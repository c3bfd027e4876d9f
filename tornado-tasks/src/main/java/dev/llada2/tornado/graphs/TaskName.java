package dev.llada2.tornado.graphs;

/**
 * The name of a task: its graph and its id inside the graph. The graph builders name tasks with it
 * and register their grids under {@link #qualified()}, so a task and its grid cannot disagree.
 * Graph names follow the model: {@code embedding_layers<a>_<b>} (the embedding and whole layers a..b
 * of a device in one graph; {@code layers<a>_<b>} without the embedding, {@code embedding} alone; {@code _head} behind when the
 * head's first chunk of rows runs in it), {@code head} (the head in a graph of its own) or {@code head_more_rows}
 * (its further chunks); a MoE layer with routed experts away from its device is {@code layer<l>_attention}, {@code
 * layer<l>_mlp}, {@code layer<l>_mlp_host_in} and {@code layer<l>_mlp_combine} instead, and the experts
 * another TornadoVM device holds for it run in that device's {@code layer<l>_peer_experts}. Task ids
 * follow the operation, with {@code layer<l>_} in front inside a graph of several layers and {@code
 * _p<k>} behind for the k-th part of a weight split across device buffers.
 */
public record TaskName(String graph, String task) {

    /**
     * Operations, named after what they compute (checkpoint vocabulary); the last two are the device
     * profiler's (a streaming read, a matmul of one of the model's block shapes).
     */
    public enum Op {
        GATHER, INPUT_NORM, QKV, QKV_BIAS, QK_NORM_ROPE, ATTENTION, ATTENTION_MERGE, ATTENTION_OUT, ATTENTION_OUT_BIAS,
        ATTENTION_RESIDUAL, POST_NORM, MLP_GATE_UP, MLP_DOWN, ROUTER, ROUTER_SELECT, GROUP_SLOTS, EXPERT_GATE_UP,
        EXPERT_DOWN, SHARED_GATE_UP, SHARED_DOWN, SCATTER_SLOTS, COMBINE, MLP_RESIDUAL, FINAL_NORM, GATHER_ROWS,
        LM_HEAD, GREEDY_PARTIAL, GREEDY_COMBINE, STREAM_READ, BLOCK_MATMUL;

        String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final String EMBEDDING_GRAPH = "embedding";
    public static final String HEAD_GRAPH = "head";
    /** The head's further chunks of rows when its first chunk runs in the last layers' graph. */
    public static final String HEAD_MORE_ROWS_GRAPH = "head_more_rows";

    /**
     * Whole layers {@code first..last} (attention and feed-forward) in one graph, with the embedding in
     * front when {@code embedding} and the head's first chunk of rows behind when {@code head}.
     */
    public static String layersGraph(int first, int last, boolean embedding, boolean head) {
        return (embedding ? EMBEDDING_GRAPH + "_" : "") + "layers" + first + "_" + last + (head ? "_" + HEAD_GRAPH : "");
    }

    /** The prefix of a layer's task ids inside a graph of several layers. */
    public static String layerScope(int layer) {
        return "layer" + layer + "_";
    }

    /** The attention half of layer {@code layer} (norms, QKV, RoPE, attention, output projection). */
    public static String attentionGraph(int layer) {
        return "layer" + layer + "_attention";
    }

    /** The feed-forward half of layer {@code layer} (dense MLP or MoE). */
    public static String feedForwardGraph(int layer) {
        return "layer" + layer + "_mlp";
    }

    /**
     * The graph that writes the slot outputs of host-resident experts of layer {@code layer} into the
     * device's slot buffer (one chunk per execution).
     */
    public static String hostSlotsGraph(int layer) {
        return "layer" + layer + "_mlp_host_in";
    }

    /** The graph that combines the slots and adds the residual when the layer has host-resident experts. */
    public static String combineGraph(int layer) {
        return "layer" + layer + "_mlp_combine";
    }

    /**
     * The share of layer {@code layer}'s routed experts on a TornadoVM device other than the layer's home
     * (expert parallelism; one such graph per peer device, each in its device's own plan).
     */
    public static String peerExpertsGraph(int layer) {
        return "layer" + layer + "_peer_experts";
    }

    public static TaskName of(String graph, Op op) {
        return new TaskName(graph, op.id());
    }

    /** Part {@code part} of an operation whose weight is split; part 0 keeps the plain name. */
    public static TaskName of(String graph, Op op, int part) {
        return of(graph, "", op, part);
    }

    /** As {@link #of(String, Op, int)}, the id prefixed by {@code scope} (e.g. {@link #layerScope}). */
    public static TaskName of(String graph, String scope, Op op, int part) {
        return new TaskName(graph, scope + (part == 0 ? op.id() : op.id() + "_p" + part));
    }

    /** {@code graph.task}: the key of the task's grid in the {@code GridScheduler}. */
    public String qualified() {
        return graph + "." + task;
    }

    @Override
    public String toString() {
        return qualified();
    }
}
