package dev.llada2.tornado.selftest;

import dev.llada2.backend.KernelCheck;
import dev.llada2.backend.cpu.CpuKernelTwins;
import dev.llada2.backend.cpu.MatMul;
import dev.llada2.checkpoint.DType;
import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.format.WeightDecode;
import dev.llada2.tornado.graphs.GraphBuilder;
import dev.llada2.tornado.graphs.Grids;
import dev.llada2.tornado.graphs.MatMulTasks;
import dev.llada2.tornado.graphs.TaskName.Op;
import dev.llada2.tornado.kernels.ForwardParams;
import dev.llada2.tornado.kernels.HeadKernels;
import dev.llada2.weights.Matrix;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.Arrays;
import java.util.List;

import static dev.llada2.tornado.selftest.DenseKernelChecks.TOKENS;
import static dev.llada2.tornado.selftest.SelfTestSupport.device;
import static dev.llada2.tornado.selftest.SelfTestSupport.guarded;
import static dev.llada2.tornado.selftest.SelfTestSupport.maxAbs;
import static dev.llada2.tornado.selftest.SelfTestSupport.maxAbsDiff;
import static dev.llada2.tornado.selftest.SelfTestSupport.row;
import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

/**
 * The LM head path: row gather plus the vocabulary matmul split over two buffers, and the two-stage
 * greedy reduction on logits with planted ties (equal maxima in two chunks and inside one chunk), so
 * "first index on ties" is checked, not assumed.
 */
final class HeadKernelChecks {

    private static final int VOCAB = 700;
    private static final int CHUNK = 128;
    private static final int[] ROWS = {6, 0, 3};

    private final SelfTestSupport s;

    HeadKernelChecks(SelfTestSupport s) {
        this.s = s;
    }

    List<KernelCheck> run() {
        return List.of(guarded("HeadKernels.gatherRows + lm_head matmul (2 parts)", this::logits),
                guarded("HeadKernels.greedyPartial + greedyCombine (ties)", this::greedy));
    }

    private IntArray headRows() {
        IntArray r = new IntArray(ForwardParams.headRowsLength(4));
        r.set(ForwardParams.HEAD_COUNT, ROWS.length);
        for (int i = 0; i < ROWS.length; i++) {
            r.set(ForwardParams.HEAD_ROWS + i, ROWS[i]);
        }
        return r;
    }

    private KernelCheck logits() {
        int hidden = 64;
        Matrix head = s.matrix("lm_head", VOCAB, hidden, DType.BF16, 1.0 / Math.sqrt(hidden));
        DeviceMatrix dm = MatMulTasks.upload(head, head.bytes() / 2 + 1);
        float[] fh = s.floats(TOKENS * hidden, 1.0);
        IntArray rows = headRows();
        FloatArray dFh = device(fh, fh.length);
        FloatArray gathered = new FloatArray(Grids.paddedTokens(4) * hidden);
        FloatArray scale = WeightDecode.scaleTable();
        FloatArray logits = new FloatArray(4 * VOCAB);
        var c = s.graph("lmHead");
        GraphBuilder b = c.builder().uploadOnce(rows, dFh, gathered, scale).uploadWeights(dm);
        var t1 = b.task(Op.GATHER_ROWS, Grids.items(4 * hidden));
        b.add(createPackage(t1.task(), HeadKernels::gatherRows, new KernelContext(), dFh, rows, gathered, hidden), gathered);
        MatMulTasks.add(b, Op.LM_HEAD, dm, gathered, rows, scale, logits);
        b.downloadEach(logits);
        c.run();
        float[] x = new float[ROWS.length * hidden];
        for (int i = 0; i < ROWS.length; i++) {
            System.arraycopy(fh, ROWS[i] * hidden, x, i * hidden, hidden);
        }
        float[] want = new float[ROWS.length * VOCAB];
        MatMul.rows(head, 0, VOCAB, x, ROWS.length, want, VOCAB, 0);
        return row("HeadKernels.gatherRows + lm_head matmul (2 parts)", maxAbsDiff(want, logits, want.length),
                1e-5 * Math.max(1, maxAbs(want)), ROWS.length + " rows of " + TOKENS + " x vocab " + VOCAB);
    }

    private KernelCheck greedy() {
        float[][] rows = new float[ROWS.length][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = s.floats(VOCAB, 3.0);
        }
        plantMax(rows[0], 600, 130);
        plantMax(rows[1], 5, 9);
        plantMax(rows[2], 699, 698);
        float[] flat = new float[4 * VOCAB];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * VOCAB, VOCAB);
        }
        int chunks = Grids.greedyChunks(VOCAB, CHUNK);
        IntArray headRows = headRows();
        FloatArray logits = device(flat, flat.length);
        FloatArray partMax = new FloatArray(4 * chunks);
        IntArray partArg = new IntArray(4 * chunks);
        FloatArray partSum = new FloatArray(4 * chunks);
        IntArray tokens = new IntArray(4);
        FloatArray confidence = new FloatArray(4);
        var c = s.graph("greedy");
        GraphBuilder b = c.builder().uploadOnce(headRows, logits, partMax, partArg, partSum, tokens, confidence);
        int threads = Grids.greedyThreads(CHUNK);
        var t1 = b.task(Op.GREEDY_PARTIAL, Grids.groups(4 * chunks, threads));
        b.add(createPackage(t1.task(), HeadKernels::greedyPartial, new KernelContext(), logits, headRows, partMax,
                partArg, partSum, VOCAB, CHUNK, chunks), partMax, partArg, partSum);
        var t2 = b.task(Op.GREEDY_COMBINE, Grids.items(4));
        b.add(createPackage(t2.task(), HeadKernels::greedyCombine, new KernelContext(), partMax, partArg, partSum,
                headRows, tokens, confidence, chunks), tokens, confidence);
        b.downloadEach(tokens, confidence);
        c.run();
        int[] want = new int[rows.length];
        float[] conf = new float[rows.length];
        CpuKernelTwins.greedy(rows, want, conf);
        float error = 0;
        int mismatches = 0;
        for (int r = 0; r < rows.length; r++) {
            error = Math.max(error, Math.abs(conf[r] - confidence.get(r)) / conf[r]);
            mismatches += want[r] == tokens.get(r) ? 0 : 1;
        }
        String detail = rows.length + " rows x vocab " + VOCAB + " in " + chunks + " chunks, argmax "
                + Arrays.toString(want) + (mismatches == 0 ? " exact" : " but got " + tokens.get(0) + ","
                + tokens.get(1) + "," + tokens.get(2)) + ", relative error of the confidence";
        // both sides sum 700 exp terms in fp32 in their own order (the CPU engine per 2048-entry chunk,
        // the kernel per work-group), so each carries up to ~1e-6 of rounding: 1e-5 between the two
        return new KernelCheck("HeadKernels.greedyPartial + greedyCombine (ties)", mismatches > 0 ? Double.NaN : error,
                1e-5, mismatches == 0 && error <= 1e-5, detail);
    }

    /** Makes positions {@code a} and {@code b} the two (equal) largest logits of the row. */
    private static void plantMax(float[] row, int a, int b) {
        float max = 0;
        for (float v : row) {
            max = Math.max(max, v);
        }
        row[a] = max + 1;
        row[b] = max + 1;
    }
}
