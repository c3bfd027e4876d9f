package dev.llada2.profiles.fit;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.runtime.Placement;

/**
 * The activations a plan's placement sends from one device to another in one block forward of T
 * tokens (T = the block length), expected under uniform routing; fp32 rows of H values:
 * <ul>
 *   <li>a pipeline boundary (embedding to the first layer, one layer's home to the next's, the last
 *       layer to the head on another device): the residual stream, {@code 4 H T};</li>
 *   <li>a MoE layer whose routed experts are partly on other devices: to each such device d, the rows,
 *       expert ids and weights of the U_d tokens with a slot there, {@code 4 H U_d + 8 k U_d}, and back
 *       one weighted row per slot, {@code 4 H S_d}, where {@code S_d = T k n_d / E} and
 *       {@code U_d = T (1 - C(E - n_d, k) / C(E, k))} for the n_d of E experts on d (k distinct experts per
 *       token, uniformly: the router's group limit ignored).</li>
 * </ul>
 * The TornadoVM engine moves these through the host and counts each crossing on both sides
 * ({@code EngineStats.handoffBytes}), plus the router's ids and weights of every token ({@code 8 T k})
 * per such layer; so its measured hand-off is about twice this payload.
 *
 * @param inBytes  per device, bytes it receives
 * @param outBytes per device, bytes it sends
 */
public record Crossings(long[] inBytes, long[] outBytes) {

    public static Crossings of(Plan plan) {
        LLaDA2Config c = plan.config();
        Placement p = plan.placement();
        int devices = p.deviceCount();
        double[] in = new double[devices];
        double[] out = new double[devices];
        int t = plan.options().blockLength();
        int h = c.hiddenSize();
        int k = c.numExpertsPerTok();
        double stream = 4.0 * h * t;
        int[] homes = p.layerDevice();
        int previous = p.embeddingDevice();
        for (int l = 0; l <= homes.length; l++) {
            int next = l < homes.length ? homes[l] : p.headDevice();
            if (next != previous) {
                out[previous] += stream;
                in[next] += stream;
            }
            previous = next;
            if (l == homes.length || p.expertDevice()[l].length == 0) {
                continue;
            }
            int[] placed = p.expertDevice()[l];
            int[] held = new int[devices];
            for (int d : placed) {
                held[d]++;
            }
            for (int d = 0; d < devices; d++) {
                if (d == homes[l] || held[d] == 0) {
                    continue;
                }
                double tokens = t * (1 - noneOf(placed.length, held[d], k));
                double slots = (double) t * k * held[d] / placed.length;
                double down = 4.0 * h * tokens + 8.0 * k * tokens;
                out[homes[l]] += down;
                in[d] += down;
                out[d] += 4.0 * h * slots;
                in[homes[l]] += 4.0 * h * slots;
            }
        }
        long[] inBytes = new long[devices];
        long[] outBytes = new long[devices];
        for (int d = 0; d < devices; d++) {
            inBytes[d] = Math.round(in[d]);
            outBytes[d] = Math.round(out[d]);
        }
        return new Crossings(inBytes, outBytes);
    }

    /** The chance that k distinct experts drawn uniformly from E miss all n given ones: C(E - n, k) / C(E, k). */
    private static double noneOf(int experts, int n, int k) {
        double chance = 1;
        for (int i = 0; i < k; i++) {
            chance *= Math.max(0, experts - n - i) / (double) (experts - i);
        }
        return chance;
    }

    /** Bytes that cross per block forward, each counted once (as its sender's). */
    public long total() {
        long sum = 0;
        for (long b : outBytes) {
            sum += b;
        }
        return sum;
    }
}
