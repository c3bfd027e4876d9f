package dev.llada2.tokenizer;

import dev.llada2.tokenizer.SplitPattern.Span;

import java.util.Collections;
import java.util.List;

/**
 * The {@code behavior} of a tokenizer.json {@code Split}: what becomes of the matches of its
 * pattern. Names as in the file. Empty pieces are never produced.
 *
 * <p>Example, text {@code "a--b-"} split on {@code "-"}:
 * Removed {@code [a, b]}; Isolated {@code [a, -, -, b, -]}; MergedWithPrevious {@code [a-, -, b-]};
 * MergedWithNext {@code [a, -, -b, -]}; Contiguous {@code [a, --, b, -]}.
 */
enum SplitBehavior {
    /** Matches are dropped. */
    Removed,
    /** Every match and every gap is a piece. */
    Isolated,
    /** A match is appended to the piece before it (a match right after a match stands alone). */
    MergedWithPrevious,
    /** A match is prepended to the piece after it (a match right before a match stands alone). */
    MergedWithNext,
    /** Consecutive matches form one piece. */
    Contiguous;

    /** Appends the pieces of {@code text}, whose {@code spans} cover it in order, to {@code out}. */
    void split(String text, List<Span> spans, List<String> out) {
        switch (this) {
            case Removed -> {
                for (Span s : spans) {
                    if (!s.match()) {
                        add(text, s.start(), s.end(), out);
                    }
                }
            }
            case Isolated -> {
                for (Span s : spans) {
                    add(text, s.start(), s.end(), out);
                }
            }
            case MergedWithPrevious, Contiguous -> join(text, spans, out, false);
            case MergedWithNext -> join(text, spans, out, true);
        }
    }

    /**
     * Joins spans into pieces, walking forwards or (MergedWithNext) backwards. A span joins the
     * piece built so far when it is a match and the span visited before it is not
     * (MergedWithPrevious, MergedWithNext), or when it has the same kind as the span visited before
     * it (Contiguous).
     */
    private void join(String text, List<Span> spans, List<String> out, boolean backwards) {
        int firstOut = out.size();
        int start = -1;
        int end = -1;
        boolean previousMatch = false;
        for (int k = 0; k < spans.size(); k++) {
            Span s = spans.get(backwards ? spans.size() - 1 - k : k);
            boolean joins = end >= 0
                    && (this == Contiguous ? s.match() == previousMatch : s.match() && !previousMatch);
            if (joins) {
                start = Math.min(start, s.start());
                end = Math.max(end, s.end());
            } else {
                add(text, start, end, out);
                start = s.start();
                end = s.end();
            }
            previousMatch = s.match();
        }
        add(text, start, end, out);
        if (backwards) {
            Collections.reverse(out.subList(firstOut, out.size()));
        }
    }

    private static void add(String text, int start, int end, List<String> out) {
        if (end > start) {
            out.add(text.substring(start, end));
        }
    }
}
