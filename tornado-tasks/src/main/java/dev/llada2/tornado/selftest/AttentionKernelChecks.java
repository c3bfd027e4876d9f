package dev.llada2.tornado.selftest;

import dev.llada2.backend.KernelCheck;
import dev.llada2.config.RopeConfig;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.tornado.graphs.GraphBuilder;
import dev.llada2.tornado.graphs.Grids;
import dev.llada2.tornado.graphs.RopeTables;
import dev.llada2.tornado.graphs.TaskName.Op;
import dev.llada2.tornado.kernels.AttentionKernels;
import dev.llada2.tornado.kernels.RopeKernels;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.ArrayList;
import java.util.List;

import static dev.llada2.tornado.selftest.DenseKernelChecks.TOKENS;
import static dev.llada2.tornado.selftest.SelfTestSupport.device;
import static dev.llada2.tornado.selftest.SelfTestSupport.guarded;
import static dev.llada2.tornado.selftest.SelfTestSupport.maxAbs;
import static dev.llada2.tornado.selftest.SelfTestSupport.maxAbsDiff;
import static dev.llada2.tornado.selftest.SelfTestSupport.row;

/**
 * QK-norm + RoPE + KV store followed by attention, against the sequential twins, in three settings:
 * a block-causal pass behind a cached prefix, a bidirectional pass from position 0, and a pass behind
 * a 1000-key prefix (two rounds of the kernel's online softmax). Shapes of the {@code tiny} preset:
 * 4 query heads, 2 key/value heads, head_dim 16, 8 rotary dims.
 */
final class AttentionKernelChecks {

    private static final Twins.Heads HEADS = new Twins.Heads(4, 2, 16, 4);
    private static final float EPS = 1e-6f;

    private final SelfTestSupport s;

    AttentionKernelChecks(SelfTestSupport s) {
        this.s = s;
    }

    List<KernelCheck> run() {
        List<KernelCheck> out = new ArrayList<>();
        out.addAll(pass("block-causal 4, 5 cached keys", 5, 4, 16, true));
        out.addAll(pass("bidirectional, no QK-norm", 0, 0, 8, false));
        out.addAll(pass("1000 cached keys, 2 rounds", 1000, 0, 1008, true));
        return out;
    }

    private List<KernelCheck> pass(String setting, int start, int block, int maxSequence, boolean qkNorm) {
        List<KernelCheck> rows = new ArrayList<>();
        KernelCheck crash = guarded("RopeKernels.qkNormRope (" + setting + ")", () -> {
            run(setting, start, block, maxSequence, qkNorm, rows);
            return null;
        });
        if (crash != null) {
            rows.clear();
            rows.add(crash);
            rows.add(new KernelCheck("AttentionKernels.attention (" + setting + ")", Double.NaN, 0, false,
                    "not run: " + crash.detail()));
        }
        return rows;
    }

    /** Runs both kernels in one graph and adds their two rows to {@code rows}. */
    private void run(String setting, int start, int block, int maxSequence, boolean qkNorm, List<KernelCheck> rows) {
        Twins.Heads h = HEADS;
        int hd = h.headDim();
        int qDim = h.heads() * hd;
        int kvDim = h.kvDim();
        float[] qkv = s.floats(TOKENS * h.qkvRows(), 1.0);
        float[] qn = qkNorm ? s.positiveFloats(hd, 1.0, 0.1) : null;
        float[] kn = qkNorm ? s.positiveFloats(hd, 1.0, 0.1) : null;
        float[] keys = s.floats(maxSequence * kvDim, 1.0);
        float[] values = s.floats(maxSequence * kvDim, 1.0);
        RopeTables tables = RopeTables.of(RopeConfig.unscaled(600000, 2 * h.rotaryHalf()), maxSequence);
        float[] cos = tables.cos().toHeapArray();
        float[] sin = tables.sin().toHeapArray();

        IntArray params = DenseKernelChecks.params(TOKENS, start, block, new int[0], TOKENS);
        FloatArray dQkv = device(qkv, TOKENS * h.qkvRows());
        float[] norms = new float[2 * hd];
        if (qkNorm) {
            System.arraycopy(qn, 0, norms, 0, hd);
            System.arraycopy(kn, 0, norms, hd, hd);
        }
        FloatArray dNorms = device(norms, 2 * hd);
        FloatArray dKeys = device(keys, keys.length);
        FloatArray dValues = device(values, values.length);
        FloatArray dq = new FloatArray(TOKENS * qDim);
        FloatArray dOut = new FloatArray(TOKENS * qDim);
        var c = s.graph("attention");
        GraphBuilder b = c.builder().uploadOnce(params, dQkv, dNorms, tables.cos(), tables.sin(), dKeys, dValues);
        int threads = Grids.headThreads(hd);
        var t1 = b.task(Op.QK_NORM_ROPE, Grids.groups(TOKENS * (h.heads() + 2 * h.kvHeads()), threads));
        b.graph().task(t1.task(), RopeKernels::qkNormRope, new KernelContext(), dQkv, dNorms, tables.cos(),
                tables.sin(), params, dq, dKeys, dValues, h.heads(), h.kvHeads(), hd, h.rotaryHalf(), qkNorm ? 1 : 0,
                EPS);
        var t2 = b.task(Op.ATTENTION, Grids.groups(TOKENS * h.heads(), threads));
        b.graph().task(t2.task(), AttentionKernels::attention, new KernelContext(), dq, dKeys, dValues, params, dOut,
                h.heads(), h.kvHeads(), hd, (float) Math.pow(hd, -0.5));
        b.graph().transferToHost(DataTransferMode.EVERY_EXECUTION, dq, dKeys, dValues, dOut);
        c.run();

        float[] q = new float[TOKENS * qDim];
        Twins.qkNormRope(qkv, TOKENS, start, qn, kn, cos, sin, h, EPS, q, keys, values);
        AttentionMask mask = block > 0 ? new AttentionMask.BlockCausal(block) : new AttentionMask.Bidirectional();
        float[] want = Twins.attention(q, keys, values, TOKENS, start, mask, h);
        float ropeError = Math.max(maxAbsDiff(q, dq, q.length),
                Math.max(maxAbsDiff(keys, dKeys, keys.length), maxAbsDiff(values, dValues, values.length)));
        float ropeTol = (float) (1e-5 * Math.max(1, maxAbs(q)));
        rows.add(row("RopeKernels.qkNormRope (" + setting + ")", ropeError, ropeTol,
                TOKENS + " tokens at " + start + ".., queries, keys and values in the cache"));
        rows.add(row("AttentionKernels.attention (" + setting + ")", maxAbsDiff(want, dOut, want.length),
                1e-5 * Math.max(1, maxAbs(want)), TOKENS + " queries x " + h.heads() + " heads, "
                        + threads + " threads/head"));
    }
}
