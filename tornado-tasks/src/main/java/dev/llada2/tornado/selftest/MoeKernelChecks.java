package dev.llada2.tornado.selftest;

import dev.llada2.backend.KernelCheck;
import dev.llada2.backend.cpu.RoutedExperts;
import dev.llada2.backend.cpu.RouterMath;
import dev.llada2.backend.cpu.VectorOps;
import dev.llada2.checkpoint.DType;
import dev.llada2.config.ConfigPresets;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.format.WeightDecode;
import dev.llada2.tornado.graphs.GraphBuilder;
import dev.llada2.tornado.graphs.Grids;
import dev.llada2.tornado.graphs.TaskName.Op;
import dev.llada2.tornado.kernels.MoeKernels;
import dev.llada2.weights.Matrix;
import dev.llada2.weights.MlpWeights;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.ArrayList;
import java.util.List;

import static dev.llada2.tornado.selftest.DenseKernelChecks.TOKENS;
import static dev.llada2.tornado.selftest.SelfTestSupport.device;
import static dev.llada2.tornado.selftest.SelfTestSupport.exact;
import static dev.llada2.tornado.selftest.SelfTestSupport.guarded;
import static dev.llada2.tornado.selftest.SelfTestSupport.maxAbs;
import static dev.llada2.tornado.selftest.SelfTestSupport.row;
import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

/**
 * The MoE kernels chained as in a layer (router selection, slot grouping, grouped expert SwiGLU with
 * the experts split over two weight buffers, weighted combine with a shared-expert term), with the
 * {@code tiny} preset's router (16 experts, top-4, 4 groups, top-2 groups), against
 * {@link RouterMath} and the CPU engine's matmul.
 */
final class MoeKernelChecks {

    private final SelfTestSupport s;

    MoeKernelChecks(SelfTestSupport s) {
        this.s = s;
    }

    List<KernelCheck> run() {
        List<KernelCheck> rows = new ArrayList<>();
        KernelCheck crash = guarded("MoeKernels.routerSelect", () -> {
            chain(rows);
            return null;
        });
        if (crash != null) {
            rows.clear();
            rows.add(crash);
            for (String k : List.of("MoeKernels.groupSlots", "MoeKernels.expertGateUp + expertDown (2 parts)",
                    "MoeKernels.combine")) {
                rows.add(new KernelCheck(k, Double.NaN, 0, false, "not run: " + crash.detail()));
            }
        }
        rows.add(guarded("MoeKernels.scatterSlots", this::scatter));
        return rows;
    }

    /**
     * Host-computed slot rows written into a slot buffer: the mapped slots get their rows bit for bit,
     * every other slot keeps its value, surplus work-items (grid for a full chunk) write nothing.
     */
    private KernelCheck scatter() {
        LLaDA2Config c = ConfigPresets.load("tiny");
        int hidden = c.hiddenSize();
        int slots = TOKENS * c.numExpertsPerTok();
        int chunk = 8;
        int[] map = {5, 1, slots - 1, 7, 3, slots / 2};
        float[] before = s.floats(slots * hidden, 1.0);
        float[] rows = s.floats(chunk * hidden, 1.0);
        FloatArray slotOut = device(before, before.length);
        FloatArray dRows = device(rows, rows.length);
        IntArray dMap = SelfTestSupport.deviceInts(map, 1 + chunk);
        var check = s.graph("scatter");
        GraphBuilder b = check.builder().uploadOnce(dRows, dMap, slotOut);
        var t = b.task(Op.SCATTER_SLOTS, Grids.items(chunk * hidden));
        b.add(createPackage(t.task(), MoeKernels::scatterSlots, new KernelContext(), dRows, dMap, slotOut, hidden), slotOut);
        b.downloadEach(slotOut);
        check.run();
        float[] want = before.clone();
        for (int r = 0; r < map[0]; r++) {
            System.arraycopy(rows, r * hidden, want, map[1 + r] * hidden, hidden);
        }
        int mismatches = 0;
        for (int i = 0; i < want.length; i++) {
            mismatches += Float.floatToRawIntBits(want[i]) == Float.floatToRawIntBits(slotOut.get(i)) ? 0 : 1;
        }
        return exact("MoeKernels.scatterSlots", mismatches, map[0] + " of " + chunk + " chunk rows into " + slots
                + " slots, exact");
    }

    private void chain(List<KernelCheck> rows) {
        LLaDA2Config c = ConfigPresets.load("tiny");
        int e = c.numExperts();
        int k = c.numExpertsPerTok();
        int hidden = c.hiddenSize();
        int inter = c.moeIntermediateSize();
        int slots = TOKENS * k;
        float[] logits = s.floats(TOKENS * e, 2.0);
        float[] bias = s.floats(e, 0.1);
        float[] m = s.floats(TOKENS * hidden, 1.0);
        float[] shared = s.floats(TOKENS * hidden, 1.0);
        List<Matrix> gates = new ArrayList<>();
        List<Matrix> ups = new ArrayList<>();
        List<Matrix> downs = new ArrayList<>();
        for (int x = 0; x < e; x++) {
            gates.add(s.matrix("gate" + x, inter, hidden, DType.BF16, 1.0 / Math.sqrt(hidden)));
            ups.add(s.matrix("up" + x, inter, hidden, DType.BF16, 1.0 / Math.sqrt(hidden)));
            downs.add(s.matrix("down" + x, hidden, inter, DType.BF16, 1.0 / Math.sqrt(inter)));
        }
        long half = gates.getFirst().bytes() * e / 2;
        DeviceMatrix dGate = DeviceMatrix.stack("gate", gates, half).kMajor();
        DeviceMatrix dUp = DeviceMatrix.stack("up", ups, half).kMajor();
        DeviceMatrix dDown = DeviceMatrix.stack("down", downs, half).kMajor();

        IntArray params = DenseKernelChecks.params(TOKENS, 0, 0, new int[0], TOKENS);
        FloatArray dLogits = device(logits, logits.length);
        FloatArray dBias = device(bias, e);
        FloatArray dm = device(m, m.length);
        FloatArray dShared = device(shared, shared.length);
        FloatArray scale = WeightDecode.scaleTable();
        FloatArray scores = new FloatArray(TOKENS * 2 * e);
        FloatArray groupScore = new FloatArray(TOKENS * c.nGroup());
        IntArray marks = new IntArray(TOKENS * (e + c.nGroup()));
        IntArray topIdx = new IntArray(slots);
        FloatArray topW = new FloatArray(slots);
        IntArray slotList = new IntArray(e * TOKENS);
        IntArray counts = new IntArray(e);
        FloatArray h = new FloatArray(slots * inter);
        FloatArray slotOut = new FloatArray(slots * hidden);
        FloatArray out = new FloatArray(TOKENS * hidden);
        float[] residual = new float[TOKENS * hidden];
        for (int i = 0; i < residual.length; i++) {
            residual[i] = (float) Math.sin(0.37 * i);
        }
        FloatArray dResidual = device(residual, residual.length);

        var check = s.graph("moe");
        GraphBuilder b = check.builder().uploadOnce(params, dLogits, dBias, dm, dShared, scale, scores, groupScore,
                marks, topIdx, topW, slotList, counts, h, slotOut, out, dResidual);
        var t1 = b.task(Op.ROUTER_SELECT, Grids.items(TOKENS));
        b.add(createPackage(t1.task(), MoeKernels::routerSelect, new KernelContext(), dLogits, dBias, params, scores,
                groupScore, marks, topIdx, topW, e, k, c.nGroup(), c.topkGroup(), c.routedScalingFactor()), scores, groupScore, marks, topIdx, topW);
        var t2 = b.task(Op.GROUP_SLOTS, Grids.items(e));
        b.add(createPackage(t2.task(), MoeKernels::groupSlots, new KernelContext(), topIdx, params, slotList, counts, e,
                k, TOKENS), slotList, counts);
        for (int p = 0; p < dGate.parts().size(); p++) {
            DeviceMatrix.Part g = dGate.parts().get(p);
            DeviceMatrix.Part u = dUp.parts().get(p);
            DeviceMatrix.Part d = dDown.parts().get(p);
            b.uploadOnce(g.words(), u.words(), d.words());
            var t3 = b.task(Op.EXPERT_GATE_UP, p, Grids.expertGroups(g.rows(), inter));
            b.add(createPackage(t3.task(), MoeKernels::expertGateUp, new KernelContext(), g.words(), u.words(), dm,
                    slotList, counts, scale, h, g.firstUnit(inter), g.rows(), inter, hidden, k, TOKENS,
                    dGate.format()), h);
            var t4 = b.task(Op.EXPERT_DOWN, p, Grids.expertGroups(d.rows(), hidden));
            b.add(createPackage(t4.task(), MoeKernels::expertDown, new KernelContext(), d.words(), h, slotList, counts,
                    topW, scale, slotOut, d.firstUnit(hidden), d.rows(), hidden, inter, TOKENS, dDown.format()), slotOut);
        }
        var t5 = b.task(Op.COMBINE, Grids.items(TOKENS * hidden));
        b.add(createPackage(t5.task(), MoeKernels::combine, new KernelContext(), slotOut, dShared, params, out,
                dResidual, hidden, k, 1), out, dResidual);
        b.downloadEach(topIdx, topW, slotList, counts, slotOut, out, dResidual);
        check.run();

        int[] wantIdx = new int[slots];
        float[] wantW = new float[slots];
        RouterMath router = new RouterMath(c);
        for (int t = 0; t < TOKENS; t++) {
            router.select(logits, t * e, bias, wantIdx, wantW, t * k);
        }
        int idxMismatch = 0;
        float wError = 0;
        for (int i = 0; i < slots; i++) {
            idxMismatch += wantIdx[i] == topIdx.get(i) ? 0 : 1;
            wError = Math.max(wError, Math.abs(wantW[i] - topW.get(i)));
        }
        rows.add(idxMismatch > 0 ? exact("MoeKernels.routerSelect", idxMismatch, TOKENS + " tokens")
                : row("MoeKernels.routerSelect", wError, 1e-6, TOKENS + " tokens, expert ids exact in order, error"
                        + " of the weights"));

        int[][] wantSlots = RoutedExperts.slotsByExpert(wantIdx, slots, e);
        int slotMismatch = 0;
        for (int x = 0; x < e; x++) {
            slotMismatch += counts.get(x) == wantSlots[x].length ? 0 : 1;
            for (int j = 0; j < Math.min(counts.get(x), wantSlots[x].length); j++) {
                slotMismatch += slotList.get(x * TOKENS + j) == wantSlots[x][j] ? 0 : 1;
            }
        }
        rows.add(exact("MoeKernels.groupSlots", slotMismatch, e + " experts, " + slots + " slots"));

        float[] wantSlotOut = new float[slots * hidden];
        for (int x = 0; x < e; x++) {
            RoutedExperts.runExpert(new MlpWeights("expert" + x, gates.get(x), ups.get(x), downs.get(x)),
                    wantSlots[x], k, hidden, m, wantW, wantSlotOut);
        }
        rows.add(row("MoeKernels.expertGateUp + expertDown (2 parts)",
                SelfTestSupport.maxAbsDiff(wantSlotOut, slotOut, wantSlotOut.length),
                1e-5 * Math.max(1, maxAbs(wantSlotOut)), slots + " slots, " + inter + " x " + hidden
                        + " experts in " + dGate.parts().size() + " k-major buffers, " + MoeKernels.EXPERT_THREADS
                        + " rows per work-group, token tile " + MoeKernels.TOKEN_TILE));

        float[] wantOut = new float[TOKENS * hidden];
        for (int t = 0; t < TOKENS; t++) {
            for (int j = 0; j < k; j++) {
                VectorOps.add(wantSlotOut, (t * k + j) * hidden, wantOut, t * hidden, hidden);
            }
        }
        VectorOps.add(shared, 0, wantOut, 0, wantOut.length);
        float[] wantResidual = residual.clone();
        VectorOps.add(wantOut, 0, wantResidual, 0, wantResidual.length);
        float error = Math.max(SelfTestSupport.maxAbsDiff(wantOut, out, wantOut.length),
                SelfTestSupport.maxAbsDiff(wantResidual, dResidual, wantResidual.length));
        float bound = Math.max(1, Math.max(maxAbs(wantOut), maxAbs(wantResidual)));
        rows.add(row("MoeKernels.combine", error, 1e-5 * bound,
                TOKENS + " tokens, slot order, plus the shared expert; residual += the sum"));
    }
}
