package dev.llada2.tornado.selftest;

import dev.llada2.backend.KernelCheck;
import dev.llada2.backend.cpu.CpuKernelTwins;
import dev.llada2.config.RopeConfig;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.tornado.graphs.GraphBuilder;
import dev.llada2.tornado.graphs.Grids;
import dev.llada2.tornado.graphs.RopeTables;
import dev.llada2.tornado.graphs.TaskName.Op;
import dev.llada2.tornado.kernels.AttentionKernels;
import dev.llada2.tornado.kernels.RopeKernels;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.ArrayList;
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
 * QK-norm + RoPE + KV store followed by attention, against the CPU engine's attention, in four settings:
 * a block-causal pass behind a cached prefix, a bidirectional pass from position 0 (both one split over
 * keys, no merge), a pass behind a 1000-key prefix (63 rounds of the kernel's online softmax in 4
 * splits of {@link Grids#ATTENTION_SPLIT_KEYS} keys, merged), and a block-causal pass across the first
 * split boundary (positions 250..256 in a 2-split grid: queries of one split, written by the attention
 * kernel itself, beside queries whose second split holds one key, merged). Shapes of the {@code tiny} preset:
 * 4 query heads, 2 key/value heads, head_dim 16, 8 rotary dims. Two more settings use head_dim 24 with
 * 6 rotary dims (the {@code head-dim-24-rotary-quarter} variant): its work-groups have 32 threads, 8 of
 * them past the head, which must not store anything.
 *
 * <p>As in the engine, the grid has a token row more than the pass (its groups exit), and the query and
 * output buffers have that row too. Every buffer starts with random contents and is compared whole
 * with the twin's, so a store outside the pass's rows, its heads or its cache positions fails the check
 * deterministically, even where a later work-group would normally overwrite it.
 */
final class AttentionKernelChecks {

    private static final Twins.Heads HEADS = new Twins.Heads(4, 2, 16, 4);
    /** head_dim 24, partial_rotary_factor 0.25: a head that does not fill its power-of-two work-group. */
    private static final Twins.Heads HEADS_24 = new Twins.Heads(4, 2, 24, 3);
    private static final float EPS = 1e-6f;

    private final SelfTestSupport s;

    AttentionKernelChecks(SelfTestSupport s) {
        this.s = s;
    }

    List<KernelCheck> run() {
        List<KernelCheck> out = new ArrayList<>();
        out.addAll(pass("block-causal 4, 5 cached keys", HEADS, 5, 4, 16, true));
        out.addAll(pass("bidirectional, no QK-norm", HEADS, 0, 0, 8, false));
        out.addAll(pass("1000 cached keys, 63 rounds", HEADS, 1000, 0, 1008, true));
        out.addAll(pass("block-causal 4 across a split boundary, 250 cached keys", HEADS, 250, 4, 272, true));
        out.addAll(pass("head_dim 24, 6 rotary dims, block-causal 4, 5 cached keys", HEADS_24, 5, 4, 16, true));
        out.addAll(pass("head_dim 24, 6 rotary dims, bidirectional, no QK-norm", HEADS_24, 0, 0, 8, false));
        return out;
    }

    private List<KernelCheck> pass(String setting, Twins.Heads h, int start, int block, int maxSequence,
                                   boolean qkNorm) {
        List<KernelCheck> rows = new ArrayList<>();
        KernelCheck crash = guarded("RopeKernels.qkNormRope (" + setting + ")", () -> {
            run(setting, h, start, block, maxSequence, qkNorm, rows);
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
    private void run(String setting, Twins.Heads h, int start, int block, int maxSequence, boolean qkNorm,
                     List<KernelCheck> rows) {
        int hd = h.headDim();
        int gridTokens = TOKENS + 1;
        int qDim = h.heads() * hd;
        int kvDim = h.kvDim();
        float[] qkv = s.floats(TOKENS * h.qkvRows(), 1.0);
        float[] qn = qkNorm ? s.positiveFloats(hd, 1.0, 0.1) : null;
        float[] kn = qkNorm ? s.positiveFloats(hd, 1.0, 0.1) : null;
        float[] keys = s.floats(maxSequence * kvDim, 1.0);
        float[] values = s.floats(maxSequence * kvDim, 1.0);
        RopeConfig rope = RopeConfig.unscaled(600000, 2 * h.rotaryHalf());
        RopeTables tables = RopeTables.of(rope, maxSequence);

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
        float[] q = s.floats(gridTokens * qDim, 1.0);
        float[] out = s.floats(gridTokens * qDim, 1.0);
        FloatArray dq = device(q, q.length);
        FloatArray dOut = device(out, out.length);
        var c = s.graph("attention");
        GraphBuilder b = c.builder().uploadOnce(params, dQkv, dNorms, tables.cos(), tables.sin(), dKeys, dValues, dq,
                dOut);
        int threads = Grids.headThreads(hd);
        var t1 = b.task(Op.QK_NORM_ROPE, Grids.groups(gridTokens * (h.heads() + 2 * h.kvHeads()), threads));
        b.add(createPackage(t1.task(), RopeKernels::qkNormRope, new KernelContext(), dQkv, dNorms, tables.cos(),
                tables.sin(), params, dq, dKeys, dValues, h.heads(), h.kvHeads(), hd, h.rotaryHalf(), qkNorm ? 1 : 0,
                EPS), dq, dKeys, dValues);
        int splits = Grids.attentionSplits(maxSequence);
        int splitKeys = Grids.ATTENTION_SPLIT_KEYS;
        float[] scratch = s.floats(gridTokens * h.heads() * splits * AttentionKernels.partialWidth(hd), 1.0);
        FloatArray partials = device(scratch, scratch.length);
        b.uploadOnce(partials);
        var t2 = b.task(Op.ATTENTION, Grids.attentionGroups(gridTokens, h.heads(), h.kvHeads(), hd, splits));
        b.add(createPackage(t2.task(), AttentionKernels::attention, new KernelContext(), dq, dKeys, dValues, params,
                dOut, partials, h.heads(), h.kvHeads(), hd, (float) Math.pow(hd, -0.5), splitKeys, splits), dOut,
                partials);
        if (splits > 1) {
            var t3 = b.task(Op.ATTENTION_MERGE, Grids.attentionMergeGroups(gridTokens, h.heads(), hd));
            b.add(createPackage(t3.task(), AttentionKernels::mergeSplits, new KernelContext(), partials, params, dOut,
                    h.heads(), hd, splitKeys, splits), dOut);
        }
        b.downloadEach(dq, dKeys, dValues, dOut);
        c.run();

        Twins.queries(qkv, TOKENS, start, qn, rope, h, EPS, q);
        AttentionMask mask = block > 0 ? new AttentionMask.BlockCausal(block) : new AttentionMask.Bidirectional();
        float[] context = CpuKernelTwins.attention(h.heads(), h.kvHeads(), hd, rope, EPS, qn, kn, qkv, TOKENS, start,
                mask, keys, values);
        System.arraycopy(context, 0, out, 0, context.length);
        float ropeError = Math.max(maxAbsDiff(q, dq, q.length),
                Math.max(maxAbsDiff(keys, dKeys, keys.length), maxAbsDiff(values, dValues, values.length)));
        float ropeTol = (float) (1e-5 * Math.max(1, maxAbs(Arrays.copyOf(q, TOKENS * qDim))));
        rows.add(row("RopeKernels.qkNormRope (" + setting + ")", ropeError, ropeTol,
                TOKENS + " tokens at " + start + ".., queries, keys and values in the cache, " + threads
                        + " threads/head; nothing stored past them"));
        rows.add(row("AttentionKernels.attention (" + setting + ")", maxAbsDiff(out, dOut, out.length),
                1e-5 * Math.max(1, maxAbs(context)), TOKENS + " queries x " + h.heads() + " heads, "
                        + threads + " threads/head, " + (splits > 1 ? splits + " splits of " + splitKeys
                        + " keys + mergeSplits" : "one split, no merge") + "; nothing stored past them"));
    }
}
