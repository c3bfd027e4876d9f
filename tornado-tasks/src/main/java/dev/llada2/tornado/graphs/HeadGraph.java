package dev.llada2.tornado.graphs;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.kernels.ForwardParams;
import dev.llada2.tornado.kernels.HeadKernels;
import dev.llada2.tornado.kernels.NormKernels;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

import java.util.ArrayList;
import java.util.List;

import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

/**
 * The end of a pass: final norm and the LM head on the requested rows only, {@code maxRows} rows per
 * execution.
 *
 * <pre>
 *   host --head rows (EVERY_EXECUTION)--&gt; head_rows [count, rows...]
 *   host --once--&gt; model.norm, lm_head parts, scratch
 *
 *   final_norm       y (the last layer's output), model.norm  --&gt; final_hidden [T, H]
 *   gather_rows      final_hidden, head_rows            --&gt; rows [R, H]
 *   lm_head[_pK]     rows, lm_head part K               --&gt; logits [R, V]   (stays on the device)
 *   greedy_partial   logits                             --&gt; per (row, 4096-entry chunk): max, argmax, sum exp
 *   greedy_combine   partials                           --&gt; tokens [R], confidence [R]
 *
 *   fetched by the host (partial transfers of exactly R entries):
 *     greedy step: tokens, confidence       (8 bytes per row: all that crosses on a decoding step)
 *     logits request: logits [R, V]         final_hidden only when tracing
 * </pre>
 *
 * Where its tasks run ({@link StageGraphs} decides):
 * <ul>
 *   <li><b>In the graph of the device's last layers</b> ({@link #appendTo}), when they fit TornadoVM's
 *       limits with those layers: that graph computes the first {@code maxRows} requested rows of every
 *       pass (zero rows when none are requested, so the kernels past the final norm do no work), and
 *       {@link #moreRows()} runs the next chunks: gather, LM head and read-out only, on the final hidden
 *       states, {@code lm_head} and scratch it takes over from the graph executed just before it (the
 *       layers' graph, or itself for a third chunk) instead of declaring them again, so nothing is
 *       allocated or uploaded twice.</li>
 *   <li><b>In a graph of its own</b> ({@link #own}) when the last layer runs in graphs split around
 *       routed experts away from the device, or the head does not fit the last layers' graph: run once
 *       per chunk (again for more rows), and not at all for a pass without rows unless a trace wants
 *       {@code final_hidden}.</li>
 * </ul>
 */
public final class HeadGraph {

    private final LLaDA2Config c;
    private final SharedBuffers sh;
    private final GridScheduler grids;
    private final DeviceMatrix lmHead;
    private final FloatArray norm;
    private final IntArray headRows;
    private final FloatArray rows;
    private final FloatArray partMax;
    private final IntArray partArg;
    private final FloatArray partSum;
    private final IntArray tokens;
    private final FloatArray confidence;
    private final FloatArray logits;
    private final FloatArray finalHidden;
    private final int maxRows;
    private final int chunks;
    private boolean inLayerGraph;

    /**
     * The head's buffers; its tasks go into a graph by {@link #appendTo} or {@link #own}.
     *
     * @param lmHead the LM head in the dense kernels' layout ({@link MatMulTasks#upload})
     */
    public HeadGraph(LLaDA2Config c, float[] finalNorm, DeviceMatrix lmHead, SharedBuffers sh, int maxRows,
                     GridScheduler grids) {
        this.c = c;
        this.sh = sh;
        this.grids = grids;
        this.lmHead = lmHead;
        this.maxRows = maxRows;
        int hidden = c.hiddenSize();
        int vocab = lmHead.rows();
        chunks = Grids.greedyChunks(vocab, Grids.GREEDY_CHUNK);
        norm = FloatArray.fromArray(finalNorm);
        headRows = new IntArray(ForwardParams.headRowsLength(maxRows));
        finalHidden = sh.activations(hidden);
        rows = new FloatArray(Grids.paddedTokens(maxRows) * hidden);
        logits = new FloatArray(maxRows * vocab);
        partMax = new FloatArray(maxRows * chunks);
        partArg = new IntArray(maxRows * chunks);
        partSum = new FloatArray(maxRows * chunks);
        tokens = new IntArray(maxRows);
        confidence = new FloatArray(maxRows);
    }

    /**
     * Appends the head to {@code b}, the graph (or fragment) of the device's last layers, whose last
     * layer writes {@code residual}; the graph then hands {@code lm_head} and the head's buffers on to
     * {@link #moreRows()}.
     */
    public GraphBuilder appendTo(GraphBuilder b, FloatArray residual) {
        declare(b);
        addFinalNorm(b, residual);
        addRows(b);
        return b.keepOnDevice(handedOn());
    }

    /** The head as a graph of its own after the graph whose last layer writes {@code residual}. */
    public BuiltGraph own(FloatArray residual) {
        GraphBuilder b = new GraphBuilder(TaskName.HEAD_GRAPH, grids).consume(sh.params(), residual, sh.scale());
        declare(b);
        addFinalNorm(b, residual);
        addRows(b);
        return b.keepOnDevice(sh.params(), residual, sh.scale())
                .downloadOnDemand(tokens, confidence, logits, finalHidden)
                .build();
    }

    /**
     * The graph of further chunks of rows when the head's first chunk runs in the last layers' graph
     * ({@link #appendTo}): takes {@code lm_head}, the final hidden states and the scratch over from the
     * graph executed just before it and hands them on again (to itself, for a third chunk).
     */
    public BuiltGraph moreRows() {
        inLayerGraph = true;
        List<TornadoNativeArray> list = new ArrayList<>(List.of(handedOn()));
        list.add(sh.scale());
        TornadoNativeArray[] taken = list.toArray(TornadoNativeArray[]::new);
        GraphBuilder b = new GraphBuilder(TaskName.HEAD_MORE_ROWS_GRAPH, grids).consume(taken).uploadEach(headRows);
        addRows(b);
        return b.keepOnDevice(taken).build();
    }

    /** Whether the first chunk runs in the last layers' graph (then {@link #moreRows()} runs the others). */
    public boolean inLayerGraph() {
        return inLayerGraph;
    }

    private void declare(GraphBuilder b) {
        b.uploadEach(headRows)
                .uploadOnce(norm, finalHidden, rows, logits, partMax, partArg, partSum, tokens, confidence)
                .uploadWeights(lmHead);
    }

    /**
     * What {@link #moreRows()} takes over besides the scale table (which the layers' graph hands on
     * anyway): lm_head's parts and the head's buffers.
     */
    private TornadoNativeArray[] handedOn() {
        List<TornadoNativeArray> out = new ArrayList<>(List.of(finalHidden, rows, logits, partMax,
                partArg, partSum, tokens, confidence));
        lmHead.parts().forEach(p -> out.add(p.words()));
        return out.toArray(TornadoNativeArray[]::new);
    }

    private void addFinalNorm(GraphBuilder b, FloatArray residual) {
        int hidden = c.hiddenSize();
        TaskName t = b.task(TaskName.Op.FINAL_NORM, Grids.groups(sh.maxTokens(), Grids.normThreads(hidden)));
        b.add(createPackage(t.task(), NormKernels::rmsNormRows, b.context(), residual, norm, sh.params(),
                finalHidden, hidden, c.rmsNormEps()), finalHidden);
    }

    /** Gather of the requested rows, the LM head on them and the greedy read-out. */
    private void addRows(GraphBuilder b) {
        int hidden = c.hiddenSize();
        int vocab = lmHead.rows();
        TaskName t = b.task(TaskName.Op.GATHER_ROWS, Grids.items(maxRows * hidden));
        b.add(createPackage(t.task(), HeadKernels::gatherRows, b.context(), finalHidden, headRows, rows,
                hidden), rows);
        MatMulTasks.add(b, TaskName.Op.LM_HEAD, lmHead, rows, headRows, sh.scale(), logits);
        t = b.task(TaskName.Op.GREEDY_PARTIAL, Grids.groups(maxRows * chunks, Grids.greedyThreads(Grids.GREEDY_CHUNK)));
        b.add(createPackage(t.task(), HeadKernels::greedyPartial, b.context(), logits, headRows, partMax,
                partArg, partSum, vocab, Grids.GREEDY_CHUNK, chunks), partMax, partArg, partSum);
        t = b.task(TaskName.Op.GREEDY_COMBINE, Grids.items(maxRows));
        b.add(createPackage(t.task(), HeadKernels::greedyCombine, b.context(), partMax, partArg, partSum,
                headRows, tokens, confidence, chunks), tokens, confidence);
    }

    /** Rows per head execution. */
    public int maxRows() {
        return maxRows;
    }

    /** Sets the rows of the next head execution (relative to the pass's tokens). */
    public void setRows(int[] rows, int from, int to) {
        headRows.set(ForwardParams.HEAD_COUNT, to - from);
        for (int i = from; i < to; i++) {
            headRows.set(ForwardParams.HEAD_ROWS + i - from, rows[i]);
        }
    }

    public IntArray tokens() {
        return tokens;
    }

    public FloatArray confidence() {
        return confidence;
    }

    public FloatArray logits() {
        return logits;
    }

    public FloatArray finalHidden() {
        return finalHidden;
    }
}
