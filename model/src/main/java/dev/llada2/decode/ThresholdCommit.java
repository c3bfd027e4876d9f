package dev.llada2.decode;

import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The official LLaDA2.0 rule (spec §6.1): each forward predicts the masked rows of the block and
 * commits every one whose confidence is strictly above the threshold when there are at least
 * {@code scheduled} of them (path "threshold"); otherwise the {@code min(scheduled, masked)} most
 * confident (path "fallback"; on an exact tie the lower row wins). Committed tokens are final. The
 * block ends when no mask is left or its steps are spent.
 */
public final class ThresholdCommit implements CommitPolicy {

    private static final int[] NONE = new int[0];

    private final double threshold;
    private final int[] schedule;

    /** @param schedule tokens to commit at each step of a block ({@link DecodeOptions#schedule()}) */
    public ThresholdCommit(double threshold, int[] schedule) {
        this.threshold = threshold;
        this.schedule = schedule.clone();
    }

    @Override
    public int[] rows(CurrentBlock block) {
        return block.forwards() < schedule.length ? block.maskedRows() : NONE;
    }

    @Override
    public Decision decide(CurrentBlock block, int[] rows, int[] candidate, float[] confidence) {
        return commit(IntStream.range(0, rows.length).toArray(), confidence, threshold, schedule[block.forwards()]);
    }

    /**
     * The rule on masked rows: of {@code among} (indexes into {@code confidence}, ascending), those
     * above the threshold if at least {@code scheduled}, else the {@code min(scheduled, |among|)} most
     * confident (lowest index on ties). Shared with {@link JointThresholdCommit}, whose mask-to-token
     * step is this rule with one token scheduled.
     */
    static Decision commit(int[] among, float[] confidence, double threshold, int scheduled) {
        int[] above = IntStream.of(among).filter(i -> confidence[i] > threshold).toArray();
        if (above.length >= scheduled) {
            return new Decision(above, NONE, "threshold", scheduled, Action.TRANSFER);
        }
        int[] best = IntStream.of(among).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -confidence[i]).thenComparingInt(i -> i))
                .limit(Math.min(scheduled, among.length)).mapToInt(Integer::intValue).sorted().toArray();
        return new Decision(best, NONE, "fallback", scheduled, Action.TRANSFER);
    }

    @Override
    public boolean writesAreFinal() {
        return true;
    }

    @Override
    public String toString() {
        return "threshold " + threshold + " with low-confidence fallback";
    }
}
