package dev.llada2.decode;

/**
 * A decoding rule: for the block being decoded, which rows the next forward must predict, and, from
 * the prediction (one candidate token and its confidence per requested row), what to write. One class
 * per rule: {@link ThresholdCommit} (LLaDA2.0: fill masks, never revise) and
 * {@link JointThresholdCommit} (LLaDA2.1: fill masks and edit generated tokens). Other published rules
 * (dInfer's hierarchical or credit decoders) fit here too.
 *
 * <p>A policy is stateless; the block's state ({@link CurrentBlock}: tokens, fixed rows, forwards run)
 * is kept and updated by the decoder, so one policy serves any number of generations.
 */
public interface CommitPolicy {

    /**
     * Rows (relative to the block's start, ascending) the next forward must predict, or none when the
     * block is finished without another forward (no mask left, step or iteration budget spent).
     */
    int[] rows(CurrentBlock block);

    /**
     * What the forward's prediction writes. {@code block.forwards()} is this forward's index in the
     * block; the block's tokens are those the forward saw.
     *
     * @param rows       the rows {@link #rows} asked for
     * @param candidate  candidate token per requested row (same order)
     * @param confidence confidence per requested row (same order)
     */
    Decision decide(CurrentBlock block, int[] rows, int[] candidate, float[] confidence);

    /**
     * Whether a written token is final at once (it may be streamed and may trigger the EOS early
     * stop) or only when its block is finished (a later forward may edit it).
     */
    boolean writesAreFinal();

    /** What one forward does to the block, with the golden traces' names. */
    enum Action {
        /** Tokens were written (possibly none, when a schedule asks for none); decoding goes on. */
        TRANSFER("transfer"),
        /** Nothing to write: the block is finished. */
        FINISH_NO_TRANSFER("finish_no_transfer"),
        /** The block's post-edit budget is spent: finished, this forward's prediction unused. */
        FINISH_POST_EDIT_BUDGET("finish_post_edit_budget");

        private final String label;

        Action(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public boolean finishesBlock() {
            return this != TRANSFER;
        }
    }

    /**
     * @param commits   indexes into the requested rows of masked rows to fill (mask-to-token), ascending
     * @param edits     indexes into the requested rows of generated rows to rewrite (token-to-token), ascending
     * @param path      how the commits were chosen: {@code threshold}, {@code fallback} (the golden traces'
     *                  names), or {@code none} when no row was masked
     * @param scheduled tokens a schedule asked for at this forward (0 for rules without a schedule)
     * @param action    what the forward does to the block
     */
    record Decision(int[] commits, int[] edits, String path, int scheduled, Action action) {
    }
}
