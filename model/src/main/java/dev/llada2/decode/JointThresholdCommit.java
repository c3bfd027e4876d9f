package dev.llada2.decode;

import java.util.stream.IntStream;

/**
 * LLaDA2.1's joint threshold rule (token editing; SGLang's {@code JointThreshold}): each forward
 * predicts every row of the block that is not prompt, and
 * <ul>
 *   <li>mask-to-token: while masks remain, fills the masked rows whose confidence is strictly above
 *       {@code threshold}, or else the single most confident masked row (lowest row on ties);</li>
 *   <li>token-to-token: rewrites every generated row whose prediction differs from its token with a
 *       confidence strictly above {@code editThreshold}, at every forward, masks left or not.</li>
 * </ul>
 * A forward that starts with no mask left is a post-edit step; when their count exceeds
 * {@code maxPostEditSteps} the block is finished and that forward's prediction is unused. A forward
 * that writes nothing finishes the block too. A block runs at most {@code length + maxPostEditSteps}
 * forwards (reached only by a block filled one row per forward and then edited at every post-edit
 * step; the forward it saves would have found the budget spent). Written tokens are provisional until
 * the block is finished.
 */
public final class JointThresholdCommit implements CommitPolicy {

    private static final int[] NONE = new int[0];

    private final double threshold;
    private final double editThreshold;
    private final int maxPostEditSteps;

    public JointThresholdCommit(double threshold, double editThreshold, int maxPostEditSteps) {
        this.threshold = threshold;
        this.editThreshold = editThreshold;
        this.maxPostEditSteps = maxPostEditSteps;
    }

    @Override
    public int[] rows(CurrentBlock block) {
        return block.forwards() < block.length() + maxPostEditSteps ? block.openRows() : NONE;
    }

    @Override
    public Decision decide(CurrentBlock block, int[] rows, int[] candidate, float[] confidence) {
        int[] masked = IntStream.range(0, rows.length).filter(i -> block.masked(rows[i])).toArray();
        int[] commits = NONE;
        String path = "none";
        if (masked.length > 0) {
            Decision m2t = ThresholdCommit.commit(masked, confidence, threshold, 1);
            commits = m2t.commits();
            path = m2t.path();
        } else if (block.filledForwards() + 1 > maxPostEditSteps) {
            return new Decision(NONE, NONE, path, 0, Action.FINISH_POST_EDIT_BUDGET);
        }
        int[] edits = IntStream.range(0, rows.length)
                .filter(i -> !block.masked(rows[i]) && confidence[i] > editThreshold
                        && candidate[i] != block.token(rows[i]))
                .toArray();
        Action action = commits.length + edits.length == 0 ? Action.FINISH_NO_TRANSFER : Action.TRANSFER;
        return new Decision(commits, edits, path, 0, action);
    }

    @Override
    public boolean writesAreFinal() {
        return false;
    }

    @Override
    public String toString() {
        return "joint threshold " + threshold + ", edit threshold " + editThreshold + ", up to " + maxPostEditSteps
                + " post-edit steps";
    }
}
