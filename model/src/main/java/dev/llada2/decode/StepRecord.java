package dev.llada2.decode;

/**
 * One denoising forward and what it wrote, with the golden manifests' names. Under the joint rule
 * its writes are provisional: a later forward of the same block may edit them.
 *
 * @param block              block index in the canvas
 * @param step               forward index inside that block (the edit traces' {@code iteration})
 * @param committedPositions absolute canvas positions filled at this forward (mask-to-token), ascending
 * @param committedTokens    the tokens written there
 * @param editedPositions    absolute canvas positions rewritten at this forward (token-to-token), ascending
 * @param editedFrom         the tokens they held before
 * @param editedTo           the tokens written there
 * @param path               {@code threshold} or {@code fallback}; {@code none} when no row was masked
 * @param masked             masked positions in the block before the forward
 * @param scheduled          tokens the schedule asked for (0 for the joint rule, which has none)
 * @param action             what the forward did to the block
 */
public record StepRecord(int block, int step, int[] committedPositions, int[] committedTokens, int[] editedPositions,
                         int[] editedFrom, int[] editedTo, String path, int masked, int scheduled,
                         CommitPolicy.Action action) {
}
