package dev.llada2.decode;

/**
 * One denoising forward, with the golden manifest's field names.
 *
 * @param block              block index in the canvas
 * @param step               step inside that block
 * @param committedPositions absolute canvas positions written at this step, ascending
 * @param committedTokens    the tokens written there
 * @param path               {@code threshold} or {@code fallback}
 * @param masked             masked positions in the block before the step
 * @param scheduled          tokens the schedule asked for
 */
public record StepRecord(int block, int step, int[] committedPositions, int[] committedTokens, String path,
                         int masked, int scheduled) {
}
