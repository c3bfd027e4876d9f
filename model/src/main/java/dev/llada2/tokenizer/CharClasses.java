package dev.llada2.tokenizer;

import java.util.regex.Pattern;

/**
 * The character classes of the reference implementation (Rust), which are Unicode properties and
 * differ from the {@code java.lang.Character} predicates of similar name:
 * {@link Character#isWhitespace} excludes U+00A0 and U+3000-style spaces and includes U+001C..U+001F,
 * while Rust's {@code char::is_whitespace} is exactly the White_Space property.
 */
final class CharClasses {

    private static final Pattern WORD = Pattern.compile("\\w", Pattern.UNICODE_CHARACTER_CLASS);

    private CharClasses() {
    }

    /** Rust {@code char::is_whitespace}: the Unicode White_Space property (stable since Unicode 6). */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** Rust {@code char::is_numeric}: general category Nd, Nl or No. */
    static boolean isNumeric(int cp) {
        int type = Character.getType(cp);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER;
    }

    /** Regex {@code \w} with Unicode semantics (letters, marks, digits, connector punctuation, joiners). */
    static boolean isWordCharacter(int cp) {
        return WORD.matcher(Character.toString(cp)).matches();
    }
}
