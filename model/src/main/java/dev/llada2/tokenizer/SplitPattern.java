package dev.llada2.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What a {@code Split} looks for: a regular expression, or single characters of a class. Its
 * {@link #spans} cover the whole text with alternating matches and gaps, which a
 * {@link SplitBehavior} then turns into pieces.
 */
sealed interface SplitPattern {

    /** A part of the text: {@code [start, end)} in UTF-16 indices, and whether the pattern matched it. */
    record Span(int start, int end, boolean match) {
    }

    /**
     * Matches and the gaps between them, in order, covering {@code text}; with {@code invert} the
     * gaps count as matches and the matches as gaps. The empty text gives one empty gap.
     */
    List<Span> spans(String text, boolean invert);

    /**
     * A regular expression run by {@code java.util.regex} with {@link Pattern#UNICODE_CHARACTER_CLASS}.
     * The reference runs tokenizer.json regexes with Oniguruma; with that flag on JDK 25 the two
     * agree on the features these files use: {@code \s} is White_Space, {@code \p{L}}/{@code \p{N}}
     * follow Unicode 16, {@code (?i)} folds Unicode case (so {@code 's} matches {@code 'ſ}), and
     * possessive quantifiers are native. Empty matches are allowed and produce empty pieces, which
     * are dropped.
     */
    record Regex(Pattern pattern) implements SplitPattern {

        /** Reads a tokenizer.json {@code pattern}: {@code {"Regex": "..."}} or {@code {"String": "..."}}. */
        static Regex parse(Json json) {
            json.requireObject();
            if (!json.get("Regex").isAbsent()) {
                return compile(json.string("Regex"), json.get("Regex"));
            }
            if (!json.get("String").isAbsent()) {
                return literal(json.string("String"));
            }
            throw json.error("expected {\"Regex\": ...} or {\"String\": ...}");
        }

        /** Compiles a tokenizer.json regex; a syntax error becomes an error naming the file and path. */
        static Regex compile(String regex, Json at) {
            try {
                return new Regex(Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS));
            } catch (PatternSyntaxException e) {
                throw at.error("the regular expression " + regex + " is not valid for java.util.regex: "
                        + e.getDescription() + " near index " + e.getIndex());
            }
        }

        /** A literal string (tokenizer.json {@code {"String": ...}}); the empty string never matches. */
        static Regex literal(String text) {
            return new Regex(Pattern.compile(text.isEmpty() ? "(?!)" : Pattern.quote(text)));
        }

        @Override
        public List<Span> spans(String text, boolean invert) {
            List<Span> out = new ArrayList<>();
            Matcher m = pattern.matcher(text);
            int previous = 0;
            while (m.find()) {
                if (m.start() > previous) {
                    out.add(new Span(previous, m.start(), invert));
                }
                out.add(new Span(m.start(), m.end(), !invert));
                previous = m.end();
            }
            if (previous < text.length() || out.isEmpty()) {
                out.add(new Span(previous, text.length(), invert));
            }
            return out;
        }
    }

    /** Each character of the class is a match of its own (Digits, WhitespaceSplit). */
    record CharClass(String name, IntPredicate member) implements SplitPattern {

        static final CharClass NUMERIC = new CharClass("numeric (Nd, Nl, No)", CharClasses::isNumeric);
        static final CharClass WHITE_SPACE = new CharClass("White_Space", CharClasses::isWhiteSpace);

        @Override
        public List<Span> spans(String text, boolean invert) {
            List<Span> out = new ArrayList<>();
            int previous = 0;
            for (int i = 0; i < text.length(); ) {
                int cp = text.codePointAt(i);
                int end = i + Character.charCount(cp);
                if (member.test(cp)) {
                    if (i > previous) {
                        out.add(new Span(previous, i, invert));
                    }
                    out.add(new Span(i, end, !invert));
                    previous = end;
                }
                i = end;
            }
            if (previous < text.length() || out.isEmpty()) {
                out.add(new Span(previous, text.length(), invert));
            }
            return out;
        }

        @Override
        public String toString() {
            return "CharClass[" + name + "]";
        }
    }
}
