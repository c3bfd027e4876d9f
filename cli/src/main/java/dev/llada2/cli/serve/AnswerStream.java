package dev.llada2.cli.serve;

import dev.llada2.cli.output.IncrementalText;
import dev.llada2.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Turns the decoder's final tokens into what a client receives: one piece per finished block (the
 * canvas is tiled in blocks from position 0, so a block of the answer ends where
 * {@code prompt + answer} reaches a multiple of the block length), its text and its token ids, with
 * stop sequences applied. Text that could be the start of a stop sequence is held back until the
 * next block shows it is not; once a stop sequence appears, the text ends before it and nothing more
 * is sent.
 */
final class AnswerStream {

    /** Receives the pieces. */
    interface Sink {
        void piece(String text, int[] ids);
    }

    private final int promptLength;
    private final int blockLength;
    private final Optional<IncrementalText> decoder;
    private final List<String> stops;
    private final int holdBack;
    private final Sink sink;
    private final StringBuilder text = new StringBuilder();
    private int[] pending = new int[0];
    private int tokens;
    private int sent;
    private boolean stopped;

    AnswerStream(int promptLength, int blockLength, Optional<Tokenizer> tokenizer, List<String> stops, Sink sink) {
        this.promptLength = promptLength;
        this.blockLength = blockLength;
        this.decoder = tokenizer.map(IncrementalText::new);
        this.stops = stops;
        this.holdBack = stops.stream().mapToInt(String::length).max().orElse(1) - 1;
        this.sink = sink;
    }

    /** Final tokens from the decoder, in order; a piece goes out each time they complete a block. */
    void tokens(int[] ids) {
        int from = 0;
        while (from < ids.length && !stopped) {
            int room = blockLength - (promptLength + tokens) % blockLength;
            int take = Math.min(room, ids.length - from);
            int n = pending.length;
            pending = Arrays.copyOf(pending, n + take);
            System.arraycopy(ids, from, pending, n, take);
            tokens += take;
            from += take;
            if (take == room) {
                flush(false);
            }
        }
    }

    /** The answer is complete: sends what is left. */
    void finish() {
        if (!stopped) {
            flush(true);
        }
    }

    /** True once a stop sequence was found: the generation may stop. */
    boolean stopped() {
        return stopped;
    }

    /** The text sent so far: the answer's text once {@link #finish} was called. */
    String text() {
        return text.substring(0, sent);
    }

    private void flush(boolean end) {
        if (decoder.isPresent()) {
            IncrementalText d = decoder.get();
            text.append(d.append(pending));
            if (end) {
                text.append(d.finish());
            }
        }
        int visible = end ? text.length() : Math.max(sent, text.length() - holdBack);
        int stop = firstStop();
        if (stop >= 0) {
            visible = stop;
            stopped = true;
        } else if (visible > sent && visible < text.length() && Character.isHighSurrogate(text.charAt(visible - 1))) {
            visible--;
        }
        String piece = text.substring(sent, Math.max(sent, visible));
        sent = Math.max(sent, visible);
        if (!piece.isEmpty() || pending.length > 0) {
            sink.piece(piece, pending);
        }
        pending = new int[0];
    }

    /**
     * The earliest start of a stop sequence in the text not yet sent. None can start earlier: the text
     * held back (the longest stop's length - 1) keeps any stop that reaches past what was sent unsent.
     */
    private int firstStop() {
        int first = -1;
        for (String s : stops) {
            int i = text.indexOf(s, sent);
            if (i >= 0 && (first < 0 || i < first)) {
                first = i;
            }
        }
        return first;
    }
}
