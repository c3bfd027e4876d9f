package dev.llada2.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The GPT-2 byte-level alphabet: a bijection between the 256 byte values and 256 printable
 * characters, so that every byte string can be written as a token string without control
 * characters or spaces. Printable Latin-1 bytes ({@code !}..{@code ~}, {@code ¡}..{@code ¬},
 * {@code ®}..{@code ÿ}) stand for themselves; the other 68 bytes are mapped, in byte order, to
 * U+0100, U+0101, ... (so the space 0x20 is {@code Ġ} U+0120 and the newline 0x0A is {@code Ċ}).
 */
final class ByteLevelAlphabet {

    private static final char[] CHAR_OF_BYTE = new char[256];
    /** Indexed by character (all alphabet characters are below U+0144); -1 where not in the alphabet. */
    private static final int[] BYTE_OF_CHAR = new int[0x144];

    static {
        Arrays.fill(BYTE_OF_CHAR, -1);
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) next++;
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    private ByteLevelAlphabet() {
    }

    static char charOf(int unsignedByte) {
        return CHAR_OF_BYTE[unsignedByte];
    }

    /** The byte a character stands for, or -1 when the character is not in the alphabet. */
    static int byteOf(char c) {
        return c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
    }

    /**
     * The UTF-8 bytes of {@code text} written in the alphabet. A lone surrogate (a Java string may
     * hold one; a Rust string cannot) is encoded as U+FFFD.
     */
    static String encode(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 0x80) {
                out.append(CHAR_OF_BYTE[cp]);
            } else if (cp < 0x800) {
                out.append(CHAR_OF_BYTE[0xC0 | cp >> 6]).append(CHAR_OF_BYTE[0x80 | cp & 0x3F]);
            } else if (cp < 0x10000) {
                if (Character.isSurrogate((char) cp)) {
                    cp = 0xFFFD;
                }
                out.append(CHAR_OF_BYTE[0xE0 | cp >> 12]).append(CHAR_OF_BYTE[0x80 | cp >> 6 & 0x3F])
                        .append(CHAR_OF_BYTE[0x80 | cp & 0x3F]);
            } else {
                out.append(CHAR_OF_BYTE[0xF0 | cp >> 18]).append(CHAR_OF_BYTE[0x80 | cp >> 12 & 0x3F])
                        .append(CHAR_OF_BYTE[0x80 | cp >> 6 & 0x3F]).append(CHAR_OF_BYTE[0x80 | cp & 0x3F]);
            }
        }
        return out.toString();
    }

    /**
     * Appends the bytes a token stands for. A token made only of alphabet characters gives one byte
     * per character; a token with any other character (an added token written in plain text, such
     * as {@code <think>中}) gives its own UTF-8 bytes, all of them, as the reference decoder does.
     */
    static void appendBytes(String token, ByteArrayOutputStream out) {
        for (int i = 0; i < token.length(); i++) {
            if (byteOf(token.charAt(i)) < 0) {
                out.writeBytes(token.getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        for (int i = 0; i < token.length(); i++) {
            out.write(byteOf(token.charAt(i)));
        }
    }
}
