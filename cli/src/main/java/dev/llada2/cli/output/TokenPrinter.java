package dev.llada2.cli.output;

import dev.llada2.tokenizer.Tokenizer;

import java.io.PrintWriter;

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

    /** Decoded text, special tokens skipped, printed as it becomes stable ({@link IncrementalText}). */
    static TokenPrinter text(PrintWriter out, Tokenizer tokenizer) {
        IncrementalText text = new IncrementalText(tokenizer);
        return new TokenPrinter() {
            @Override
            public void print(int[] tokens) {
                String s = text.append(tokens);
                if (!s.isEmpty()) {
                    out.print(s);
                    out.flush();
                }
            }

            @Override
            public void finish() {
                out.print(text.finish());
                out.println();
                out.flush();
            }
        };
    }
}
