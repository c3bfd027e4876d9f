package dev.llada2.decode;

import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Temperature > 0 (spec §6.2): logits / temperature, keep the top-k logits, then the top-p nucleus
 * (sorted descending, drop tokens once the cumulative probability exceeds p, always keeping the
 * first), softmax, draw one token; its confidence is its probability in that filtered distribution.
 * Draws come from a seeded {@link SplittableRandom}, so a run is reproducible in this engine (not
 * bit-compatible with torch's generator).
 */
public final class SamplingChooser implements TokenChooser {

    private final double temperature;
    private final int topK;
    private final double topP;
    private final SplittableRandom random;

    public SamplingChooser(double temperature, int topK, double topP, long seed) {
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.random = new SplittableRandom(seed);
    }

    @Override
    public HeadRequest request(int[] rows) {
        return new HeadRequest.Logits(rows);
    }

    @Override
    public void choose(ForwardResult result, int[] candidate, float[] confidence) {
        for (int i = 0; i < candidate.length; i++) {
            double[] p = distribution(result.logits()[i]);
            double u = random.nextDouble();
            int pick = -1;
            double acc = 0;
            for (int v = 0; v < p.length; v++) {
                if (p[v] > 0) {
                    pick = v;
                    acc += p[v];
                    if (u < acc) {
                        break;
                    }
                }
            }
            candidate[i] = pick;
            confidence[i] = (float) p[pick];
        }
    }

    /**
     * The distribution a token is drawn from, over the whole vocabulary: logits / temperature, top-k
     * (every logit equal to the k-th largest is kept), softmax, top-p (the token whose cumulative
     * probability crosses p is kept, ties in probability ordered by token id), renormalised. A drawn
     * token's confidence is its probability here.
     */
    public double[] distribution(float[] logits) {
        int n = logits.length;
        double[] z = new double[n];
        for (int v = 0; v < n; v++) {
            z[v] = logits[v] / temperature;
        }
        if (topK > 0 && topK < n) {
            double[] sorted = z.clone();
            Arrays.sort(sorted);
            double kth = sorted[n - topK];
            for (int v = 0; v < n; v++) {
                if (z[v] < kth) {
                    z[v] = Double.NEGATIVE_INFINITY;
                }
            }
        }
        double[] p = softmax(z);
        if (topP < 1.0) {
            Integer[] order = new Integer[n];
            for (int v = 0; v < n; v++) {
                order[v] = v;
            }
            Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            double cumulative = 0;
            boolean dropping = false;
            for (int rank = 0; rank < n; rank++) {
                int v = order[rank];
                if (dropping) {
                    z[v] = Double.NEGATIVE_INFINITY;
                }
                cumulative += p[v];
                // the token that crosses p is kept; every later one is dropped
                if (cumulative > topP) {
                    dropping = true;
                }
            }
            return softmax(z);
        }
        return p;
    }

    private static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double[] p = new double[z.length];
        double sum = 0;
        for (int v = 0; v < z.length; v++) {
            p[v] = Math.exp(z[v] - max);
            sum += p[v];
        }
        for (int v = 0; v < z.length; v++) {
            p[v] /= sum;
        }
        return p;
    }
}
