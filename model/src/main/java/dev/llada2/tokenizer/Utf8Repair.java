package dev.llada2.tokenizer;

/**
 * Decodes bytes as UTF-8, replacing each <em>maximal subpart</em> of an ill-formed sequence by one
 * U+FFFD (Unicode §3.9, "U+FFFD substitution of maximal subparts"; Rust's
 * {@code String::from_utf8_lossy} and the WHATWG decoder do the same). A maximal subpart is the
 * longest prefix of a well-formed sequence that the bytes start, or a single byte that starts none.
 * Examples: {@code E4 BD} gives one U+FFFD, {@code 80 BF} two, {@code C0 AF} two, {@code F4 90 80 80}
 * four, and the encoded surrogate {@code ED A0 80} three (java.lang.String's decoder gives one,
 * which is why it is not used).
 */
final class Utf8Repair {

    private static final char REPLACEMENT = '\uFFFD';

    private Utf8Repair() {
    }

    static String decode(byte[] bytes, int length) {
        StringBuilder out = new StringBuilder(length);
        int i = 0;
        while (i < length) {
            int b0 = bytes[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int need;       // continuation bytes after the lead byte
            int lo = 0x80;  // allowed range of the first continuation byte (narrower after E0, ED, F0, F4)
            int hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                if (b0 == 0xE0) {
                    lo = 0xA0;      // no overlong 3-byte forms
                } else if (b0 == 0xED) {
                    hi = 0x9F;      // no surrogates
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                if (b0 == 0xF0) {
                    lo = 0x90;      // no overlong 4-byte forms
                } else if (b0 == 0xF4) {
                    hi = 0x8F;      // nothing above U+10FFFF
                }
            } else {
                out.append(REPLACEMENT);  // 80..C1 and F5..FF never start a sequence
                i++;
                continue;
            }
            int cp = b0 & (0x3F >> need);
            int j = i + 1;
            boolean complete = true;
            for (int k = 0; k < need; k++, j++) {
                int b = j < length ? bytes[j] & 0xFF : -1;
                boolean ok = k == 0 ? b >= lo && b <= hi : b >= 0x80 && b <= 0xBF;
                if (!ok) {
                    complete = false;
                    break;
                }
                cp = cp << 6 | (b & 0x3F);
            }
            if (complete) {
                out.appendCodePoint(cp);
            } else {
                out.append(REPLACEMENT);  // bytes i..j-1 are the maximal subpart; j starts afresh
            }
            i = j;
        }
        return out.toString();
    }
}
