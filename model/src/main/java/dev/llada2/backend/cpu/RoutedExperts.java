package dev.llada2.backend.cpu;

import dev.llada2.weights.MlpWeights;
import dev.llada2.weights.MoeWeights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The routed experts of one MoE layer on CPU devices (spec §4.5), after the router: each selected
 * expert runs once on all the tokens routed to it and writes one weighted output row per (token,
 * slot). Slot {@code s = t * topK + j} is the j-th expert chosen for token t. Summing the slots (in
 * slot order) and adding the shared expert is the caller's: {@code CpuMoe} on a CPU home device, the
 * TornadoVM engine's combine kernel when the layer's home is a TornadoVM device and some experts
 * live in host memory.
 */
public final class RoutedExperts {

    private RoutedExperts() {
    }

    /** Per expert, the slots routed to it in increasing slot (= token-major) order. */
    public static int[][] slotsByExpert(int[] topIdx, int slots, int experts) {
        int[] count = new int[experts];
        for (int s = 0; s < slots; s++) {
            count[topIdx[s]]++;
        }
        int[][] out = new int[experts][];
        for (int e = 0; e < experts; e++) {
            out[e] = new int[count[e]];
        }
        int[] fill = new int[experts];
        for (int s = 0; s < slots; s++) {
            out[topIdx[s]][fill[topIdx[s]]++] = s;
        }
        return out;
    }

    /**
     * {@code slotOut[s] = weights[s] * expert_{e}(m[s / topK])} for every slot {@code s} of every
     * selected expert {@code e} that has a device in {@code expertDevices}; experts whose entry is
     * {@code null} are computed elsewhere and their slots are left untouched. Every device runs its
     * experts on its own threads at the same time; the share of {@code caller} (when not null) runs
     * on the calling thread's behalf.
     *
     * @param slotsOf {@link #slotsByExpert}
     * @param m       normalised input {@code [T, hidden]} (only the rows of tokens routed here are read)
     * @param slotOut {@code [T * topK, hidden]}
     * @return the selected experts each device ran, in expert order (for hand-off accounting)
     */
    public static Map<CpuDevice, List<Integer>> run(MoeWeights w, CpuDevice[] expertDevices, CpuDevice caller,
                                                   int[][] slotsOf, int topK, int hidden, float[] m, float[] weights,
                                                   float[] slotOut) {
        Map<CpuDevice, List<Integer>> expertsOn = new LinkedHashMap<>();
        for (int e = 0; e < slotsOf.length; e++) {
            if (slotsOf[e].length > 0 && expertDevices[e] != null) {
                expertsOn.computeIfAbsent(expertDevices[e], d -> new ArrayList<>()).add(e);
            }
        }
        List<CpuDevice.Pending> pending = new ArrayList<>();
        Runnable callerWork = () -> { };
        for (Map.Entry<CpuDevice, List<Integer>> on : expertsOn.entrySet()) {
            CpuDevice dev = on.getKey();
            List<Integer> list = on.getValue();
            Runnable work = () -> dev.parallelFor(list.size(), i -> {
                int e = list.get(i);
                runExpert(w.experts().get(e), slotsOf[e], topK, hidden, m, weights, slotOut);
            });
            if (dev == caller) {
                callerWork = work;
            } else {
                pending.add(dev.start(work));
            }
        }
        callerWork.run();
        pending.forEach(CpuDevice.Pending::join);
        return expertsOn;
    }

    /**
     * One expert on its tokens, single-threaded: gather, SwiGLU, scale each output row by its slot
     * weight. Also the TornadoVM self-test's twin of the grouped expert kernels.
     */
    public static void runExpert(MlpWeights expert, int[] slots, int k, int h, float[] m, float[] weights,
                                  float[] slotOut) {
        int n = slots.length;
        float[] xs = new float[n * h];
        for (int i = 0; i < n; i++) {
            System.arraycopy(m, (slots[i] / k) * h, xs, i * h, h);
        }
        float[] ys = new float[n * h];
        CpuMlp.forwardSerial(expert, xs, n, ys);
        for (int i = 0; i < n; i++) {
            int s = slots[i];
            float wgt = weights[s];
            for (int d = 0; d < h; d++) {
                slotOut[s * h + d] = ys[i * h + d] * wgt;
            }
        }
    }
}
