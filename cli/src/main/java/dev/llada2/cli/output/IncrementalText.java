package dev.llada2.cli.output;

import dev.llada2.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * An answer's text as its tokens arrive, special tokens skipped: the whole answer is decoded again at
 * each update and only the new suffix handed out. A trailing U+FFFD is held back, since the next token
 * may complete a character split across byte-level tokens. Shared by the terminal ({@link TokenPrinter})
 * and the HTTP server's streaming.
 */
public final class IncrementalText {

    private final Tokenizer tokenizer;
    private int[] ids = new int[0];
    private String text = "";
    private int handedOut;

    public IncrementalText(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Appends tokens; returns the text that became stable since the last call (possibly empty). */
    public String append(int[] tokens) {
        int n = ids.length;
        ids = Arrays.copyOf(ids, n + tokens.length);
        System.arraycopy(tokens, 0, ids, n, tokens.length);
        text = tokenizer.decode(ids, true);
        int stable = text.length();
        while (stable > handedOut && text.charAt(stable - 1) == '\uFFFD') {
            stable--;
        }
        return take(stable);
    }

    /** The rest, held-back characters included: the answer is complete. */
    public String finish() {
        return take(text.length());
    }

    private String take(int end) {
        if (end <= handedOut) {
            return "";
        }
        String out = text.substring(handedOut, end);
        handedOut = end;
        return out;
    }
}
