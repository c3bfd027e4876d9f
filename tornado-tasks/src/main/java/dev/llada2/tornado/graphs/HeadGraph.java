package dev.llada2.tornado.graphs;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.kernels.ForwardParams;
import dev.llada2.tornado.kernels.HeadKernels;
import dev.llada2.tornado.kernels.NormKernels;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

/**
 * The last graph of a pass: final norm and the LM head on the requested rows only.
 *
 * <pre>
 *   from the graph of the last layer (or from itself, when run again for more rows): params, y (the
 *     last layer's output), scale
 *   host --head rows (EVERY_EXECUTION)--&gt; head_rows [count, rows...]
 *   host --once--&gt; model.norm, lm_head parts, scratch
 *
 *   final_norm       y, model.norm                      --&gt; final_hidden [T, H]
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
 * It runs once per {@code maxRows} requested rows; with no rows (prefill, cache update) it is not run
 * at all unless a trace wants {@code final_hidden}.
 */
public final class HeadGraph {

    private final BuiltGraph built;
    private final IntArray headRows;
    private final IntArray tokens;
    private final FloatArray confidence;
    private final FloatArray logits;
    private final FloatArray finalHidden;
    private final int maxRows;

    /**
     * @param lmHead   the LM head in the dense kernels' layout ({@link MatMulTasks#upload})
     * @param residual the last layer's output
     */
    public HeadGraph(LLaDA2Config c, float[] finalNorm, DeviceMatrix lmHead, SharedBuffers sh, FloatArray residual,
                     int maxRows, GridScheduler grids) {
        this.maxRows = maxRows;
        int hidden = c.hiddenSize();
        int vocab = lmHead.rows();
        int chunks = Grids.greedyChunks(vocab, Grids.GREEDY_CHUNK);
        FloatArray norm = FloatArray.fromArray(finalNorm);
        headRows = new IntArray(ForwardParams.headRowsLength(maxRows));
        finalHidden = sh.activations(hidden);
        FloatArray rows = new FloatArray(Grids.paddedTokens(maxRows) * hidden);
        logits = new FloatArray(maxRows * vocab);
        FloatArray partMax = new FloatArray(maxRows * chunks);
        IntArray partArg = new IntArray(maxRows * chunks);
        FloatArray partSum = new FloatArray(maxRows * chunks);
        tokens = new IntArray(maxRows);
        confidence = new FloatArray(maxRows);

        GraphBuilder b = new GraphBuilder(TaskName.HEAD_GRAPH, grids)
                .consume(sh.params(), residual, sh.scale())
                .uploadEach(headRows)
                .uploadOnce(norm, finalHidden, rows, logits, partMax, partArg, partSum, tokens, confidence)
                .uploadWeights(lmHead);
        TaskName t = b.task(TaskName.Op.FINAL_NORM, Grids.groups(sh.maxTokens(), Grids.normThreads(hidden)));
        b.add(createPackage(t.task(), NormKernels::rmsNormRows, b.context(), residual, norm, sh.params(),
                finalHidden, hidden, c.rmsNormEps()), finalHidden);
        t = b.task(TaskName.Op.GATHER_ROWS, Grids.items(maxRows * hidden));
        b.add(createPackage(t.task(), HeadKernels::gatherRows, b.context(), finalHidden, headRows, rows,
                hidden), rows);
        MatMulTasks.add(b, TaskName.Op.LM_HEAD, lmHead, rows, headRows, sh.scale(), logits);
        t = b.task(TaskName.Op.GREEDY_PARTIAL, Grids.groups(maxRows * chunks, Grids.greedyThreads(Grids.GREEDY_CHUNK)));
        b.add(createPackage(t.task(), HeadKernels::greedyPartial, b.context(), logits, headRows, partMax,
                partArg, partSum, vocab, Grids.GREEDY_CHUNK, chunks), partMax, partArg, partSum);
        t = b.task(TaskName.Op.GREEDY_COMBINE, Grids.items(maxRows));
        b.add(createPackage(t.task(), HeadKernels::greedyCombine, b.context(), partMax, partArg, partSum,
                headRows, tokens, confidence, chunks), tokens, confidence);
        b.keepOnDevice(sh.params(), residual, sh.scale())
                .downloadOnDemand(tokens, confidence, logits, finalHidden);
        built = b.build();
    }

    public BuiltGraph built() {
        return built;
    }

    /** Rows per head pass. */
    public int maxRows() {
        return maxRows;
    }

    /** Sets the rows of the next head pass (relative to the pass's tokens). */
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
