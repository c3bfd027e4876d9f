package dev.llada2.decode;

/**
 * Decides which masked positions of the current block to commit after a denoising forward. The
 * official rule is {@link ThresholdCommit}; other published rules (dInfer's hierarchical or credit
 * decoders, LLaDA2.1's token editing) fit here as one class each.
 */
public interface CommitPolicy {

    /**
     * @param masked    rows of the block (relative to its start) that still hold the mask token, ascending
     * @param candidate candidate token per masked row (same order)
     * @param confidence confidence per masked row (same order)
     * @param scheduled tokens the schedule asks for at this step
     * @return indexes into {@code masked} to commit, and why
     */
    Decision decide(int[] masked, int[] candidate, float[] confidence, int scheduled);

    /**
     * @param picks indexes into the masked rows, ascending
     * @param path  {@code threshold} or {@code fallback} (the golden trace's names), or a policy's own
     */
    record Decision(int[] picks, String path) {
    }
}
