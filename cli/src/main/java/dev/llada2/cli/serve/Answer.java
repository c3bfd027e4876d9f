package dev.llada2.cli.serve;

import dev.llada2.decode.DecodeResult;

/**
 * A finished generation as the client gets it.
 *
 * @param text         the answer's text (cut before a stop sequence), empty without a tokenizer
 * @param finishReason {@code stop} (EOS or a stop sequence) or {@code length}
 * @param result       the decoder's result: generated ids, forwards, edits, times
 * @param promptTokens the prompt's length in tokens
 * @param queuedNanos  time between arrival and the start of the generation
 * @param totalNanos   time between arrival and the end of the generation
 */
record Answer(String text, String finishReason, DecodeResult result, int promptTokens, long queuedNanos,
              long totalNanos) {
}
