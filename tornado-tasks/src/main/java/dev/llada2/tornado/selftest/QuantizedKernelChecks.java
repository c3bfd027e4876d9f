package dev.llada2.tornado.selftest;

import dev.llada2.backend.KernelCheck;
import dev.llada2.backend.cpu.RoutedExperts;
import dev.llada2.checkpoint.DType;
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
 * The llama.cpp block formats (Q8_0, Q4_K, Q6_K) on the device, per format: the embedding gather,
 * which writes decoded weights as they are, against the CPU engine's decoder bit for bit; the matmul
 * (row-major blocks, two parts), the fused SwiGLU gate/up product and the grouped experts (k-major
 * blocks, two parts) against the CPU engine's matmul. Rows are 512 and 256 elements wide: whole blocks of every format.
 */
final class QuantizedKernelChecks {

    static final List<DType> FORMATS = List.of(DType.Q8_0, DType.Q4_K, DType.Q6_K);
    private static final double RELATIVE = 1e-5;

    private final SelfTestSupport s;

    QuantizedKernelChecks(SelfTestSupport s) {
        this.s = s;
    }

    List<KernelCheck> run() {
        List<KernelCheck> rows = new ArrayList<>();
        for (DType t : FORMATS) {
            rows.add(guarded("EmbeddingKernels.gather (" + t + " decode, 2 parts)", () -> gather(t)));
            rows.add(guarded("MatMulKernels.matmul (" + t + ", 2 parts)", () -> new DenseKernelChecks(s).matmul(t, 2,
                    24, 512)));
            rows.add(guarded("MatMulKernels.gateUpSwiGlu (" + t + ")", () -> new DenseKernelChecks(s).gateUpSwiGlu(t,
                    512)));
            rows.add(guarded("MoeKernels.expertGateUp + expertDown (" + t + ", 2 parts)", () -> experts(t)));
        }
        return rows;
    }

    /** Every row of a 12-row table (whole blocks, fp16 scales normal and subnormal), in reverse order. */
    private KernelCheck gather(DType dtype) {
        int vocab = 12;
        int[] ids = new int[vocab];
        for (int t = 0; t < vocab; t++) {
            ids[t] = vocab - 1 - t;
        }
        return new DenseKernelChecks(s).gather("EmbeddingKernels.gather (" + dtype + " decode, 2 parts)", dtype,
                vocab, 512, ids);
    }

    /**
     * Four experts of 256 x 256 split over two k-major buffers; each token's {@code TOP_K} slots go to
     * distinct experts (as the router picks them), chosen at random; routing weights random.
     */
    private KernelCheck experts(DType dtype) {
        int e = 4;
        int topK = 2;
        int hidden = 256;
        int inter = 256;
        int slots = TOKENS * topK;
        List<Matrix> gates = new ArrayList<>();
        List<Matrix> ups = new ArrayList<>();
        List<Matrix> downs = new ArrayList<>();
        for (int x = 0; x < e; x++) {
            gates.add(s.matrix("gate" + x, inter, hidden, dtype, 1.0 / Math.sqrt(hidden)));
            ups.add(s.matrix("up" + x, inter, hidden, dtype, 1.0 / Math.sqrt(hidden)));
            downs.add(s.matrix("down" + x, hidden, inter, dtype, 1.0 / Math.sqrt(inter)));
        }
        long half = gates.getFirst().bytes() * e / 2;
        DeviceMatrix dGate = DeviceMatrix.stack("gate", gates, half).kMajor();
        DeviceMatrix dUp = DeviceMatrix.stack("up", ups, half).kMajor();
        DeviceMatrix dDown = DeviceMatrix.stack("down", downs, half).kMajor();
        int[][] byExpert = new int[e][TOKENS];
        int[] counts = new int[e];
        for (int t = 0; t < TOKENS; t++) {
            int first = s.nextInt(e);
            for (int j = 0; j < topK; j++) {
                int x = (first + j) % e;
                byExpert[x][counts[x]++] = t * topK + j;
            }
        }
        int[] slotList = new int[e * TOKENS];
        for (int x = 0; x < e; x++) {
            System.arraycopy(byExpert[x], 0, slotList, x * TOKENS, counts[x]);
        }
        float[] m = s.floats(TOKENS * hidden, 1.0);
        float[] topW = s.positiveFloats(slots, 1.0, 0.3);
        FloatArray dm = device(m, m.length);
        FloatArray dTopW = device(topW, slots);
        IntArray dSlots = SelfTestSupport.deviceInts(slotList, slotList.length);
        IntArray dCounts = SelfTestSupport.deviceInts(counts, e);
        FloatArray scale = WeightDecode.scaleTable();
        FloatArray h = new FloatArray(slots * inter);
        FloatArray slotOut = new FloatArray(slots * hidden);
        var check = s.graph("experts" + dtype);
        GraphBuilder b = check.builder().uploadOnce(dm, dTopW, dSlots, dCounts, scale, h, slotOut);
        for (int p = 0; p < dGate.parts().size(); p++) {
            DeviceMatrix.Part g = dGate.parts().get(p);
            DeviceMatrix.Part u = dUp.parts().get(p);
            DeviceMatrix.Part d = dDown.parts().get(p);
            b.uploadOnce(g.words(), u.words(), d.words());
            var t1 = b.task(Op.EXPERT_GATE_UP, p, Grids.expertGroups(g.rows(), inter));
            b.add(createPackage(t1.task(), MoeKernels::expertGateUp, new KernelContext(), g.words(), u.words(), dm,
                    dSlots, dCounts, scale, h, g.firstUnit(inter), g.rows(), inter, hidden, topK, TOKENS,
                    dGate.format()), h);
            var t2 = b.task(Op.EXPERT_DOWN, p, Grids.expertGroups(d.rows(), hidden));
            b.add(createPackage(t2.task(), MoeKernels::expertDown, new KernelContext(), d.words(), h, dSlots, dCounts,
                    dTopW, scale, slotOut, d.firstUnit(hidden), d.rows(), hidden, inter, TOKENS, dDown.format()), slotOut);
        }
        b.downloadEach(slotOut);
        check.run();
        float[] want = new float[slots * hidden];
        for (int x = 0; x < e; x++) {
            RoutedExperts.runExpert(new MlpWeights("expert" + x, gates.get(x), ups.get(x), downs.get(x)),
                    Arrays.copyOf(byExpert[x], counts[x]), topK, hidden, m, topW, want);
        }
        return row("MoeKernels.expertGateUp + expertDown (" + dtype + ", 2 parts)", maxAbsDiff(want, slotOut,
                want.length), RELATIVE * Math.max(1, maxAbs(want)), slots + " slots, " + e + " experts of " + inter
                + " x " + hidden + " in " + dGate.parts().size() + " buffers of k-major blocks");
    }
}
