package dev.llada2.cli.output;

import dev.llada2.tokenizer.Tokenizer;

import java.io.PrintWriter;
import java.util.Arrays;

/** Prints an answer as its tokens become final: as ids, or as text. */
public interface TokenPrinter {

    void print(int[] tokens);

    /** Prints whatever was held back and ends the line. */
    void finish();

    /** Comma-separated ids, for models without a tokenizer. */
    static TokenPrinter ids(PrintWriter out) {
        return new TokenPrinter() {
            private boolean first = true;

            @Override
            public void print(int[] tokens) {
                StringBuilder sb = new StringBuilder();
                for (int t : tokens) {
                    sb.append(first ? "" : ",").append(t);
                    first = false;
                }
                out.print(sb);
                out.flush();
            }

            @Override
            public void finish() {
                out.println();
                out.flush();
            }
        };
    }

    /**
     * Decoded text, special tokens skipped. The whole answer is decoded again at each update and only
     * the new suffix printed; a trailing U+FFFD is held back, since the next token may complete a
     * character split across byte-level tokens.
     */
    static TokenPrinter text(PrintWriter out, Tokenizer tokenizer) {
        return new TokenPrinter() {
            private int[] ids = new int[0];
            private int printed;

            @Override
            public void print(int[] tokens) {
                int n = ids.length;
                ids = Arrays.copyOf(ids, n + tokens.length);
                System.arraycopy(tokens, 0, ids, n, tokens.length);
                String text = tokenizer.decode(ids, true);
                int stable = text.length();
                while (stable > printed && text.charAt(stable - 1) == '\uFFFD') {
                    stable--;
                }
                if (stable > printed) {
                    out.print(text.substring(printed, stable));
                    out.flush();
                    printed = stable;
                }
            }

            @Override
            public void finish() {
                String text = tokenizer.decode(ids, true);
                if (text.length() > printed) {
                    out.print(text.substring(printed));
                }
                out.println();
                out.flush();
            }
        };
    }
}
