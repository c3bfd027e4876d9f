package dev.llada2.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Extraction of added tokens and their flags, on a byte-level tokenizer without merges. */
class AddedTokensTest {

    @TempDir
    Path dir;

    @Test
    void leftmostThenLongest() {
        Tokenizer t = TokenizerJsonBuilder.byteLevel().special("<a>").special("<a><b>").special("bcd").special("ab")
                .load(dir);
        assertEquals(List.of("x", "<a><b>", "y"), t.preTokenize("x<a><b>y"));
        assertEquals(List.of("<a>", "<b"), t.preTokenize("<a><b"));
        // "ab" starts before "bcd": leftmost wins even though it is shorter.
        assertEquals(List.of("ab", "cd"), t.preTokenize("abcd"));
        // The byte-level builder gives each byte its own value as id.
        assertArrayEquals(new int[]{t.idOf("ab").getAsInt(), 'c', 'd'}, t.encode("abcd", false));
    }

    @Test
    void lstripAndRstripTakeTheSurroundingWhiteSpace() {
        Tokenizer t = TokenizerJsonBuilder.byteLevel()
                .addedToken("<l>", true, false, true, false, false)
                .addedToken("<r>", true, false, false, true, false)
                .load(dir);
        assertEquals(List.of("a", " \u3000<l>", "b"), t.preTokenize("a \u3000<l>b"));
        assertEquals(List.of("a", "<r> \n", "b"), t.preTokenize("a<r> \nb"));
        assertEquals(List.of("<r> ", "<l>"), t.preTokenize("<r> <l>"), "spaces taken by rstrip are not taken again");
        int r = t.idOf("<r>").getAsInt();
        assertArrayEquals(new int[]{r}, t.encode("<r>   ", false));
    }

    @Test
    void singleWordNeedsNonWordNeighbours() {
        Tokenizer t = TokenizerJsonBuilder.byteLevel().addedToken("yes", false, false, false, false, true).load(dir);
        int yes = t.idOf("yes").getAsInt();
        assertEquals(List.of("yes", "Ġno"), t.preTokenize("yes no"));
        assertEquals(List.of("(", "yes", ")"), t.preTokenize("(yes)"));
        assertEquals(List.of("eyes"), t.preTokenize("eyes"));
        assertEquals(List.of("yes_"), t.preTokenize("yes_"));
        assertEquals(List.of("yesÃ©"), t.preTokenize("yesé"), "é is a word character");
        assertFalse(contains(t.encode("yesterday", false), yes));
    }

    @Test
    void normalizedTokensMatchNormalizedText() {
        Tokenizer t = TokenizerJsonBuilder.byteLevel()
                .addedToken("[Day]", false, true, false, false, false)
                .addedToken("[Raw]", false, false, false, false, false)
                .set("normalizer", "{\"type\": \"Lowercase\"}")
                .load(dir);
        // "[Day]" is lower-cased to "[day]" both in the pattern and in the text.
        List<String> pieces = t.preTokenize("[DAY] [Raw] [RAW]");
        assertEquals(List.of("[day]", "Ġ", "[Raw]", "Ġ[raw]"), pieces);
        int[] ids = t.encode("[DAY] [Raw] [RAW]", false);
        assertEquals(t.idOf("[Day]").getAsInt(), ids[0]);
        assertEquals(t.idOf("[Raw]").getAsInt(), ids[2]);
        assertEquals("[Day] [Raw] [raw]", t.decode(ids, false));
    }

    @Test
    void specialFlagDecidesSkippingOnly() {
        Tokenizer t = TokenizerJsonBuilder.byteLevel().special("<s>").addedToken("<think>", false, false, false, false, false)
                .load(dir);
        int[] ids = t.encode("<s>hi<think>", false);
        assertEquals(4, ids.length);
        assertTrue(t.isSpecial(ids[0]));
        assertFalse(t.isSpecial(ids[3]));
        assertFalse(t.isSpecial(ids[1]));
        assertEquals("<s>hi<think>", t.decode(ids, false));
        assertEquals("hi<think>", t.decode(ids, true));
    }

    private static boolean contains(int[] ids, int id) {
        for (int i : ids) {
            if (i == id) {
                return true;
            }
        }
        return false;
    }
}
