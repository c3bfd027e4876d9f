package dev.llada2.tornado.selftest;

import dev.llada2.backend.KernelCheck;
import dev.llada2.backend.cpu.MatMul;
import dev.llada2.backend.cpu.VectorOps;
import dev.llada2.backend.cpu.format.CpuWeightFormat;
import dev.llada2.checkpoint.DType;
import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.format.WeightDecode;
import dev.llada2.tornado.graphs.GraphBuilder;
import dev.llada2.tornado.graphs.Grids;
import dev.llada2.tornado.graphs.MatMulTasks;
import dev.llada2.tornado.graphs.TaskName.Op;
import dev.llada2.tornado.kernels.ElementwiseKernels;
import dev.llada2.tornado.kernels.EmbeddingKernels;
import dev.llada2.tornado.kernels.ForwardParams;
import dev.llada2.tornado.kernels.MatMulKernels;
import dev.llada2.tornado.kernels.NormKernels;
import dev.llada2.weights.Matrix;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.List;

import static dev.llada2.tornado.selftest.SelfTestSupport.device;
import static dev.llada2.tornado.selftest.SelfTestSupport.guarded;
import static dev.llada2.tornado.selftest.SelfTestSupport.maxAbs;
import static dev.llada2.tornado.selftest.SelfTestSupport.maxAbsDiff;
import static dev.llada2.tornado.selftest.SelfTestSupport.row;
import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

/**
 * Embedding gather, RMSNorm, matmul in every weight format (split into parts), the fused
 * gate/up SwiGLU and the element-wise adds, each against the CPU engine's code.
 */
final class DenseKernelChecks {

    /** Tokens per pass in the checks: not a multiple of the matmul tile, to exercise the padding. */
    static final int TOKENS = 7;
    private static final double RELATIVE = 1e-5;

    private final SelfTestSupport s;

    DenseKernelChecks(SelfTestSupport s) {
        this.s = s;
    }

    List<KernelCheck> run() {
        return List.of(
                guarded("EmbeddingKernels.gather (BF16, 2 parts)", this::gather),
                guarded("NormKernels.rmsNormRows", this::rmsNorm),
                guarded("NormKernels.addRmsNormRows", this::addRmsNorm),
                guarded("MatMulKernels.matmul (BF16, 3 parts)", () -> matmul(DType.BF16, 3)),
                guarded("MatMulKernels.matmul (F16)", () -> matmul(DType.F16, 1)),
                guarded("MatMulKernels.matmul (F32)", () -> matmul(DType.F32, 1)),
                guarded("MatMulKernels.gateUpSwiGlu (BF16)", () -> gateUpSwiGlu(DType.BF16, 64)),
                guarded("ElementwiseKernels.addBias + addInPlace", this::adds));
    }

    static IntArray params(int tokens, int start, int block, int[] ids, int maxTokens) {
        IntArray p = new IntArray(ForwardParams.paramsLength(maxTokens));
        p.set(ForwardParams.TOKENS, tokens);
        p.set(ForwardParams.START, start);
        p.set(ForwardParams.BLOCK, block);
        for (int i = 0; i < ids.length; i++) {
            p.set(ForwardParams.TOKEN_IDS + i, ids[i]);
        }
        return p;
    }

    private KernelCheck gather() {
        int vocab = 50;
        int width = 72;
        int[] ids = new int[TOKENS];
        for (int t = 0; t < TOKENS; t++) {
            ids[t] = s.nextInt(vocab);
        }
        return gather("EmbeddingKernels.gather (BF16, 2 parts)", DType.BF16, vocab, width, ids);
    }

    /**
     * The embedding gather of {@code ids} (the first two replaced by the rows on either side of the
     * part boundary) from a {@code vocab x width} table in {@code dtype}, uploaded in two parts: every
     * element must be the CPU engine's decoded value bit for bit.
     */
    KernelCheck gather(String name, DType dtype, int vocab, int width, int[] ids) {
        Matrix table = s.matrix("embeddings", vocab, width, dtype, 1.0);
        DeviceMatrix dm = DeviceMatrix.upload(table, table.bytes() / 2);
        int boundary = dm.parts().getLast().firstRow();
        ids[0] = boundary - 1;
        ids[1] = boundary;
        int n = ids.length;
        IntArray params = params(n, 0, 0, ids, n);
        FloatArray scale = WeightDecode.scaleTable();
        FloatArray x = new FloatArray(n * width);
        var c = s.graph("gather" + dtype);
        GraphBuilder b = c.builder().uploadOnce(params, scale);
        for (int p = 0; p < dm.parts().size(); p++) {
            DeviceMatrix.Part part = dm.parts().get(p);
            b.uploadOnce(part.words());
            var t = b.task(Op.GATHER, p, Grids.items(n * width));
            b.add(createPackage(t.task(), EmbeddingKernels::gather, new KernelContext(), part.words(), params, scale, x,
                    width, dm.format(), part.firstRow(), part.rows()), x);
        }
        b.downloadEach(x);
        c.run();
        float[] want = new float[n * width];
        CpuWeightFormat f = CpuWeightFormat.of(dtype);
        for (int t = 0; t < n; t++) {
            f.decode(table.data(), (long) ids[t] * width, width, want, t * width);
        }
        int mismatches = 0;
        for (int i = 0; i < want.length; i++) {
            mismatches += Float.floatToRawIntBits(want[i]) == Float.floatToRawIntBits(x.get(i)) ? 0 : 1;
        }
        return new KernelCheck(name, mismatches, 0, mismatches == 0, n + " rows of " + width + " in "
                + dm.parts().size() + " parts, " + (mismatches == 0 ? "every element" : mismatches + " elements not")
                + " bit-exact vs the CPU decoder");
    }

    /** The fused residual + norm: the residual sum exact, the normalised rows as {@link #rmsNorm}. */
    private KernelCheck addRmsNorm() {
        int width = 100;
        float[] xs = s.floats(TOKENS * width, 2.0);
        float[] ds = s.floats(TOKENS * width, 1.0);
        float[] w = s.positiveFloats(width, 1.0, 0.1);
        IntArray params = params(TOKENS, 0, 0, new int[0], TOKENS + 1);
        FloatArray x = device(xs, (TOKENS + 1) * width);
        FloatArray delta = device(ds, (TOKENS + 1) * width);
        FloatArray weight = device(w, width);
        FloatArray total = new FloatArray((TOKENS + 1) * width);
        FloatArray out = new FloatArray((TOKENS + 1) * width);
        var c = s.graph("addRmsNorm");
        GraphBuilder b = c.builder().uploadOnce(params, x, delta, total, weight);
        int threads = Grids.normThreads(width);
        var t = b.task(Op.POST_NORM, Grids.groups(TOKENS + 1, threads));
        b.add(createPackage(t.task(), NormKernels::addRmsNormRows, new KernelContext(), delta, x, total, weight, params,
                out, width, 1e-6f), total, out);
        b.downloadEach(x, total, out);
        c.run();
        float[] sum = xs.clone();
        VectorOps.add(ds, 0, sum, 0, sum.length);
        float[] want = new float[TOKENS * width];
        for (int r = 0; r < TOKENS; r++) {
            VectorOps.rmsNorm(sum, r * width, w, 1e-6f, want, r * width, width);
        }
        float sumError = maxAbsDiff(sum, total, sum.length);
        boolean inputKept = maxAbsDiff(xs, x, xs.length) == 0;
        float tol = (float) (RELATIVE * Math.max(1, maxAbs(want)));
        return row("NormKernels.addRmsNormRows", sumError > 0 || !inputKept ? Float.POSITIVE_INFINITY
                : maxAbsDiff(want, out, want.length), tol, TOKENS + " rows x " + width + ", residual sum exact (error "
                + sumError + "), input kept: " + inputKept + ", rows past the count untouched: "
                + (out.get(TOKENS * width) == 0f && total.get(TOKENS * width) == 0f));
    }

    private KernelCheck rmsNorm() {
        int width = 100;
        float[] xs = s.floats(TOKENS * width, 2.0);
        float[] w = s.positiveFloats(width, 1.0, 0.1);
        IntArray params = params(TOKENS, 0, 0, new int[0], TOKENS + 1);
        FloatArray x = device(xs, (TOKENS + 1) * width);
        FloatArray weight = device(w, width);
        FloatArray out = new FloatArray((TOKENS + 1) * width);
        var c = s.graph("rmsNorm");
        GraphBuilder b = c.builder().uploadOnce(params, x, weight);
        int threads = Grids.normThreads(width);
        var t = b.task(Op.INPUT_NORM, Grids.groups(TOKENS + 1, threads));
        b.add(createPackage(t.task(), NormKernels::rmsNormRows, new KernelContext(), x, weight, params, out, width,
                1e-6f), out);
        b.downloadEach(out);
        c.run();
        float[] want = new float[TOKENS * width];
        for (int r = 0; r < TOKENS; r++) {
            VectorOps.rmsNorm(xs, r * width, w, 1e-6f, want, r * width, width);
        }
        float tol = (float) (RELATIVE * Math.max(1, maxAbs(want)));
        return row("NormKernels.rmsNormRows", maxAbsDiff(want, out, want.length), tol,
                TOKENS + " rows x " + width + ", " + threads + " threads/row; rows past the count untouched: "
                        + (out.get(TOKENS * width) == 0f));
    }

    private KernelCheck matmul(DType dtype, int parts) {
        return matmul(dtype, parts, 40, 100);
    }

    /** {@code rows x cols} weights in {@code dtype}, uploaded in {@code parts} buffers,
    against the CPU engine's product. */
    KernelCheck matmul(DType dtype, int parts, int rows, int cols) {
        String name = "MatMulKernels.matmul (" + dtype + (parts > 1 ? ", " + parts + " parts)" : ")");
        Matrix m = s.matrix("w", rows, cols, dtype, 1.0 / Math.sqrt(cols));
        DeviceMatrix dm = MatMulTasks.upload(m, m.bytes() / parts + 1);
        int padded = Grids.paddedTokens(TOKENS);
        float[] xs = s.floats(TOKENS * cols, 1.0);
        IntArray params = params(TOKENS, 0, 0, new int[0], TOKENS);
        FloatArray x = device(xs, padded * cols);
        FloatArray scale = WeightDecode.scaleTable();
        FloatArray y = new FloatArray(padded * rows);
        var c = s.graph("matmul" + dtype);
        GraphBuilder b = c.builder().uploadOnce(params, x, scale).uploadWeights(dm);
        MatMulTasks.add(b, Op.QKV, dm, x, params, scale, y);
        b.downloadEach(y);
        c.run();
        float[] want = new float[TOKENS * rows];
        MatMul.rows(m, 0, rows, xs, TOKENS, want, rows, 0);
        float tol = (float) (RELATIVE * Math.max(1, maxAbs(want)));
        return row(name, maxAbsDiff(want, y, want.length), tol, TOKENS + " tokens x " + rows + " x " + cols + ", "
                + dm.parts().size() + " part(s), k-major");
    }

    /** The fused SwiGLU gate/up product of {@code 24 x cols} weights in {@code dtype}. */
    KernelCheck gateUpSwiGlu(DType dtype, int cols) {
        int rows = 24;
        Matrix gate = s.matrix("gate", rows, cols, dtype, 1.0 / Math.sqrt(cols));
        Matrix up = s.matrix("up", rows, cols, dtype, 1.0 / Math.sqrt(cols));
        DeviceMatrix dg = MatMulTasks.upload(gate, Long.MAX_VALUE);
        DeviceMatrix du = MatMulTasks.upload(up, Long.MAX_VALUE);
        int padded = Grids.paddedTokens(TOKENS);
        float[] xs = s.floats(TOKENS * cols, 1.0);
        IntArray params = params(TOKENS, 0, 0, new int[0], TOKENS);
        FloatArray x = device(xs, padded * cols);
        FloatArray scale = WeightDecode.scaleTable();
        FloatArray h = new FloatArray(padded * rows);
        var c = s.graph("gateUpSwiGlu");
        GraphBuilder b = c.builder().uploadOnce(params, x, scale, dg.parts().getFirst().words(),
                du.parts().getFirst().words());
        var t = b.task(Op.MLP_GATE_UP, Grids.matmulGroups(rows));
        b.add(createPackage(t.task(), MatMulKernels::gateUpSwiGlu, new KernelContext(), dg.parts().getFirst().words(),
                du.parts().getFirst().words(), x, params, scale, h, cols, dg.format(), rows, 0), h);
        b.downloadEach(h);
        c.run();
        float[] g = new float[TOKENS * rows];
        float[] u = new float[TOKENS * rows];
        MatMul.rows(gate, 0, rows, xs, TOKENS, g, rows, 0);
        MatMul.rows(up, 0, rows, xs, TOKENS, u, rows, 0);
        float[] want = new float[TOKENS * rows];
        for (int i = 0; i < want.length; i++) {
            want[i] = VectorOps.silu(g[i]) * u[i];
        }
        float tol = (float) (RELATIVE * Math.max(1, maxAbs(want)));
        return row("MatMulKernels.gateUpSwiGlu (" + dtype + ")", maxAbsDiff(want, h, want.length), tol,
                TOKENS + " tokens x " + rows + " x " + cols);
    }

    private KernelCheck adds() {
        int width = 48;
        float[] ys = s.floats(TOKENS * width, 1.0);
        float[] bias = s.floats(width, 1.0);
        float[] xs = s.floats(TOKENS * width, 1.0);
        IntArray params = params(TOKENS, 0, 0, new int[0], TOKENS);
        FloatArray y = device(ys, TOKENS * width);
        FloatArray bb = device(bias, width);
        FloatArray x = device(xs, TOKENS * width);
        var c = s.graph("adds");
        GraphBuilder b = c.builder().uploadOnce(params, y, bb, x);
        var t1 = b.task(Op.QKV_BIAS, Grids.items(TOKENS * width));
        b.add(createPackage(t1.task(), ElementwiseKernels::addBias, new KernelContext(), bb, params, y, width), y);
        var t2 = b.task(Op.ATTENTION_RESIDUAL, Grids.items(TOKENS * width));
        b.add(createPackage(t2.task(), ElementwiseKernels::addInPlace, new KernelContext(), y, params, x, width), x);
        b.downloadEach(x);
        c.run();
        float[] want = xs.clone();
        float[] yw = ys.clone();
        for (int r = 0; r < TOKENS; r++) {
            VectorOps.add(bias, 0, yw, r * width, width);
        }
        VectorOps.add(yw, 0, want, 0, want.length);
        return row("ElementwiseKernels.addBias + addInPlace", maxAbsDiff(want, x, want.length), 0,
                TOKENS + " x " + width + ", exact");
    }
}
