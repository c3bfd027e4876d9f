package dev.llada2.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One U+FFFD per maximal ill-formed subpart (the README's examples and the Unicode table 3-8 cases). */
class Utf8RepairTest {

    private static String decode(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return Utf8Repair.decode(b, b.length);
    }

    @Test
    void wellFormed() {
        String text = "aé中👨‍👩‍👧\u0000\uFFFF\uDBFF\uDFFF";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        assertEquals(text, Utf8Repair.decode(bytes, bytes.length));
    }

    @Test
    void maximalSubparts() {
        assertEquals("\uFFFD", decode(0xE4, 0xBD));
        assertEquals("\uFFFDA", decode(0xE4, 0xBD, 0x41));
        assertEquals("\uFFFD\uFFFD", decode(0x80, 0xBF));
        assertEquals("\uFFFD", decode(0xF0, 0x9F, 0x98));
        assertEquals("\uFFFD\uFFFD", decode(0xC0, 0xAF));
        assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD", decode(0xF4, 0x90, 0x80, 0x80));
        assertEquals("\uFFFD\uFFFD\uFFFD", decode(0xED, 0xA0, 0x80));
        assertEquals("\uFFFD\uFFFD\uFFFD", decode(0xF5, 0xFF, 0xFE));
        assertEquals("\uFFFD\uFFFD\uFFFD", decode(0xE0, 0x80, 0x80));
        // Unicode 15 table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64
        assertEquals("a\uFFFD\uFFFD\uFFFDb\uFFFDc\uFFFD\uFFFDd",
                decode(0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64));
    }
}
