package dev.llada2.backend.cpu;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.runtime.EngineStats;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.MlpWeights;
import dev.llada2.weights.MoeWeights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MoE feed-forward of a layer on CPU devices (spec §4.5).
 *
 * <p>The router runs on the layer's home device. Tokens are then grouped by expert, so each
 * selected expert's weights are read once for all of its tokens in the block. Experts may live on
 * other devices (expert parallelism, CPU offload): each device runs its experts on its own threads
 * on the inputs scattered to it and returns one weighted output per (token, slot); the home device
 * sums them in slot order and adds the shared expert. Because the sum order never depends on the
 * placement, every placement gives bit-identical results.
 */
final class CpuMoe {

    private final LLaDA2Config c;
    private final RouterMath router;

    CpuMoe(LLaDA2Config c) {
        this.c = c;
        this.router = new RouterMath(c);
    }

    /**
     * @param m             normalised input {@code [T, hidden]}
     * @param expertDevices the device of each routed expert
     * @param out           receives the MoE output {@code [T, hidden]}
     */
    void forward(CpuDevice home, CpuDevice[] expertDevices, MoeWeights w, int layer, float[] m, int tokens,
                 float[] out, TraceSink trace, EngineStats stats) {
        int h = c.hiddenSize();
        int k = c.numExpertsPerTok();
        int experts = c.numExperts();
        float[] logits = new float[tokens * experts];
        MatMul.multiply(home, w.router(), m, tokens, logits);
        int[] idx = new int[tokens * k];
        float[] weights = new float[tokens * k];
        home.parallelFor(tokens, t -> router.select(logits, t * experts, w.expertBias(), idx, weights, t * k));
        if (trace.enabled()) {
            trace.ints("router.layer" + layer + ".topk_idx", idx, tokens, k);
            trace.floats("router.layer" + layer + ".topk_weight", weights, tokens, k);
            trace.floats("router.layer" + layer + ".logits", logits, tokens, experts);
        }

        // slots of each expert, in increasing slot (= token-major) order
        List<List<Integer>> slotsOf = new ArrayList<>(experts);
        for (int e = 0; e < experts; e++) {
            slotsOf.add(new ArrayList<>());
        }
        for (int s = 0; s < tokens * k; s++) {
            slotsOf.get(idx[s]).add(s);
        }
        Map<CpuDevice, List<Integer>> expertsOn = new LinkedHashMap<>();
        for (int e = 0; e < experts; e++) {
            if (!slotsOf.get(e).isEmpty()) {
                expertsOn.computeIfAbsent(expertDevices[e], d -> new ArrayList<>()).add(e);
            }
        }
        float[] slotOut = new float[tokens * k * h];
        // every device runs its experts at the same time; the home device's share runs on the caller
        List<CpuDevice.Pending> pending = new ArrayList<>();
        Runnable homeWork = () -> { };
        for (Map.Entry<CpuDevice, List<Integer>> on : expertsOn.entrySet()) {
            CpuDevice dev = on.getKey();
            List<Integer> list = on.getValue();
            Runnable work = () -> dev.parallelFor(list.size(), i -> {
                int e = list.get(i);
                runExpert(w.experts().get(e), slotsOf.get(e), k, h, m, weights, slotOut);
            });
            if (dev == home) {
                homeWork = work;
            } else {
                countHandoff(list, slotsOf, k, h, stats);
                pending.add(dev.start(work));
            }
        }
        homeWork.run();
        pending.forEach(CpuDevice.Pending::join);
        for (int t = 0; t < tokens; t++) {
            java.util.Arrays.fill(out, t * h, (t + 1) * h, 0f);
            for (int j = 0; j < k; j++) {
                VectorOps.add(slotOut, (t * k + j) * h, out, t * h, h);
            }
        }
        if (w.shared().isPresent()) {
            float[] shared = new float[tokens * h];
            CpuMlp.forward(home, w.shared().get(), m, tokens, shared);
            VectorOps.add(shared, 0, out, 0, tokens * h);
        }
    }

    /** One expert on its tokens: gather, SwiGLU, scale each output row by its slot weight. */
    private static void runExpert(MlpWeights expert, List<Integer> slots, int k, int h, float[] m, float[] weights,
                                  float[] slotOut) {
        int n = slots.size();
        float[] xs = new float[n * h];
        for (int i = 0; i < n; i++) {
            System.arraycopy(m, (slots.get(i) / k) * h, xs, i * h, h);
        }
        float[] ys = new float[n * h];
        CpuMlp.forwardSerial(expert, xs, n, ys);
        for (int i = 0; i < n; i++) {
            int s = slots.get(i);
            float wgt = weights[s];
            for (int d = 0; d < h; d++) {
                slotOut[s * h + d] = ys[i * h + d] * wgt;
            }
        }
    }

    /** Inputs of the distinct tokens sent to a device and one weighted output per slot back. */
    private static void countHandoff(List<Integer> experts, List<List<Integer>> slotsOf, int k, int h,
                                     EngineStats stats) {
        java.util.BitSet tokens = new java.util.BitSet();
        long slots = 0;
        for (int e : experts) {
            for (int s : slotsOf.get(e)) {
                tokens.set(s / k);
                slots++;
            }
        }
        stats.addHandoff(4L * h * (tokens.cardinality() + slots));
    }
}
