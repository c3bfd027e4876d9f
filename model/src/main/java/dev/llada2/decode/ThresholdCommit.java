package dev.llada2.decode;

import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The official LLaDA2.0 rule (spec §6.1): commit every masked position whose confidence is strictly
 * above the threshold when there are at least {@code scheduled} of them (path "threshold");
 * otherwise commit the {@code min(scheduled, masked)} most confident positions (path "fallback";
 * on an exact tie the lower position wins).
 */
public final class ThresholdCommit implements CommitPolicy {

    private final double threshold;

    public ThresholdCommit(double threshold) {
        this.threshold = threshold;
    }

    @Override
    public Decision decide(int[] masked, int[] candidate, float[] confidence, int scheduled) {
        int[] above = IntStream.range(0, masked.length).filter(i -> confidence[i] > threshold).toArray();
        if (above.length >= scheduled) {
            return new Decision(above, "threshold");
        }
        int k = Math.min(scheduled, masked.length);
        int[] best = IntStream.range(0, masked.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -confidence[i]).thenComparingInt(i -> i))
                .limit(k).mapToInt(Integer::intValue).sorted().toArray();
        return new Decision(best, "fallback");
    }

    @Override
    public String toString() {
        return "threshold " + threshold + " with low-confidence fallback";
    }
}
