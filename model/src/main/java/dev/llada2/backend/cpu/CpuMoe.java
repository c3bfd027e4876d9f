package dev.llada2.backend.cpu;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.runtime.EngineStats;
import dev.llada2.runtime.ForwardPart;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.MoeWeights;

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
 * placement, every placement gives bit-identical results. The expert part is {@link RoutedExperts},
 * which the TornadoVM engine also uses for experts it keeps in host memory.
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
        long clock = System.nanoTime();
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

        clock = stats.lap(ForwardPart.ROUTER, clock);
        int[][] slotsOf = RoutedExperts.slotsByExpert(idx, tokens * k, experts);
        float[] slotOut = new float[tokens * k * h];
        // every device runs its experts at the same time; the home device's share runs on the caller
        Map<CpuDevice, List<Integer>> expertsOn = RoutedExperts.run(w, expertDevices, home, slotsOf, k, h, m, weights,
                slotOut);
        expertsOn.forEach((dev, list) -> {
            if (dev != home) {
                countHandoff(list, slotsOf, k, h, stats);
            }
        });
        for (int t = 0; t < tokens; t++) {
            java.util.Arrays.fill(out, t * h, (t + 1) * h, 0f);
            for (int j = 0; j < k; j++) {
                VectorOps.add(slotOut, (t * k + j) * h, out, t * h, h);
            }
        }
        clock = stats.lap(ForwardPart.ROUTED_EXPERTS, clock);
        if (w.shared().isPresent()) {
            float[] shared = new float[tokens * h];
            CpuMlp.forward(home, w.shared().get(), m, tokens, shared);
            VectorOps.add(shared, 0, out, 0, tokens * h);
            stats.lap(ForwardPart.SHARED_EXPERT, clock);
        }
    }

    /** Inputs of the distinct tokens sent to a device and one weighted output per slot back. */
    private static void countHandoff(List<Integer> experts, int[][] slotsOf, int k, int h, EngineStats stats) {
        java.util.BitSet tokens = new java.util.BitSet();
        long slots = 0;
        for (int e : experts) {
            for (int s : slotsOf[e]) {
                tokens.set(s / k);
                slots++;
            }
        }
        stats.addHandoff(4L * h * (tokens.cardinality() + slots));
    }
}
