package dev.llada2.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The BPE model on small vocabularies, through the public Tokenizer API. */
class BpeModelTest {

    @TempDir
    Path dir;

    /** Vocab a b c d (0..3) plus merges; no pre-tokenizer, so the whole text is one word. */
    private static TokenizerJsonBuilder abcd() {
        return TokenizerJsonBuilder.plain().token("a").token("b").token("c").token("d");
    }

    private int[] ids(Tokenizer t, String... tokens) {
        int[] out = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            out[i] = t.idOf(tokens[i]).orElseThrow();
        }
        return out;
    }

    @Test
    void lowestRankMergesFirst() {
        Tokenizer bcFirst = abcd().merge("b", "c").merge("a", "b").merge("a", "bc").load(dir);
        assertArrayEquals(ids(bcFirst, "abc"), bcFirst.encode("abc", false));
        Tokenizer abFirst = abcd().merge("a", "b").merge("b", "c").merge("ab", "c").load(dir);
        assertArrayEquals(ids(abFirst, "abc"), abFirst.encode("abc", false));
        // Only the first merge applies: a|bc has no merge "a bc" here.
        Tokenizer noPath = abcd().merge("b", "c").merge("a", "b").load(dir);
        assertArrayEquals(ids(noPath, "a", "bc"), noPath.encode("abc", false));
    }

    @Test
    void equalRanksMergeLeftmostFirst() {
        Tokenizer t = abcd().merge("a", "a").load(dir);
        assertArrayEquals(ids(t, "aa", "a"), t.encode("aaa", false));
        assertArrayEquals(ids(t, "aa", "aa"), t.encode("aaaa", false));
        assertArrayEquals(ids(t, "aa", "aa"), t.encode("aaaa", false), "second call, from the cache");
    }

    @Test
    void mergesAsPairsEqualMergesAsStrings() {
        TokenizerJsonBuilder pairs = abcd().token("ab").token("abc");
        pairs.model("merges", "[[\"a\", \"b\"], [\"ab\", \"c\"]]");
        Tokenizer t = pairs.load(dir);
        assertArrayEquals(ids(t, "abc", "d"), t.encode("abcd", false));
    }

    @Test
    void ignoreMergesTakesWholeVocabEntries() {
        TokenizerJsonBuilder b = abcd().merge("a", "b").token("abcd");  // "abcd" is not reachable by merges
        assertArrayEquals(new int[]{4, 2, 3}, b.load(dir).encode("abcd", false));
        b.model("ignore_merges", "true");
        Tokenizer t = b.load(dir);
        assertArrayEquals(ids(t, "abcd"), t.encode("abcd", false));
        assertArrayEquals(ids(t, "ab", "c"), t.encode("abc", false));
    }

    @Test
    void byteFallbackForCharactersOutsideTheVocab() {
        TokenizerJsonBuilder b = abcd();
        for (int i = 0; i < 256; i++) {
            b.token(String.format("<0x%02X>", i));
        }
        b.model("byte_fallback", "true");
        b.set("decoder", "{\"type\": \"Sequence\", \"decoders\": [{\"type\": \"ByteFallback\"}, {\"type\": \"Fuse\"}]}");
        Tokenizer t = b.load(dir);
        int[] ids = t.encode("aé", false);
        assertArrayEquals(ids(t, "a", "<0xC3>", "<0xA9>"), ids);
        assertEquals("aé", t.decode(ids, false));
        assertEquals("a\uFFFD", t.decode(ids(t, "a", "<0xC3>"), false), "a lone lead byte is one U+FFFD per byte");
    }

    @Test
    void unknownCharactersUseUnkTokenFusedOrNotOrAreDropped() {
        assertArrayEquals(new int[]{0}, abcd().load(dir).encode("a??", false), "no unk_token: dropped");
        TokenizerJsonBuilder b = abcd().token("<unk>");
        b.model("unk_token", "\"<unk>\"");
        assertArrayEquals(new int[]{0, 4, 4, 1}, b.load(dir).encode("a??b", false));
        b.model("fuse_unk", "true");
        assertArrayEquals(new int[]{0, 4, 1, 4}, b.load(dir).encode("a??b!", false));
    }

    @Test
    void continuingSubwordPrefixAndEndOfWordSuffix() {
        TokenizerJsonBuilder b = TokenizerJsonBuilder.plain().token("a").token("##b").token("##c</w>").token("a</w>")
                .token("ab").token("abc</w>");
        b.model("merges", "[\"a ##b\", \"ab ##c</w>\"]");
        b.model("continuing_subword_prefix", "\"##\"");
        b.model("end_of_word_suffix", "\"</w>\"");
        Tokenizer t = b.load(dir);
        assertArrayEquals(ids(t, "abc</w>"), t.encode("abc", false));
        assertArrayEquals(ids(t, "a</w>"), t.encode("a", false));
    }

    @Test
    void mergeCacheIsBounded() {
        StringBuilder vocab = new StringBuilder("{");
        for (char c = 'a'; c <= 'z'; c++) {
            vocab.append('"').append(c).append("\": ").append(c - 'a').append(", ");
        }
        vocab.append("\"ab\": 26}");
        BpeModel model = BpeModel.parse(TokenizerJsonBuilder.component(
                "{\"type\": \"BPE\", \"vocab\": " + vocab + ", \"merges\": [\"a b\"]}"));
        IntList first = new IntList(4);
        model.encode("xaby", first);
        for (int i = 0; i <= BpeModel.CACHE_CAPACITY + 10; i++) {
            model.encode("x" + i, new IntList(8));  // digits are not in the vocab and are dropped; the piece is cached
            assertTrue(model.cachedPieces() <= BpeModel.CACHE_CAPACITY);
        }
        assertTrue(model.cachedPieces() < 100, "the full cache was emptied, then refilled: " + model.cachedPieces());
        IntList again = new IntList(4);
        model.encode("xaby", again);
        assertArrayEquals(new int[]{23, 26, 24}, again.toArray());
        assertArrayEquals(first.toArray(), again.toArray());
    }

    @Test
    void longWordsMergeCorrectly() {
        Tokenizer t = abcd().merge("a", "b").merge("ab", "ab").merge("abab", "abab").load(dir);
        int[] ids = t.encode("ab".repeat(5000), false);  // 10000 characters, not cached
        assertEquals(1250, ids.length);
        assertEquals(t.idOf("abababab").orElseThrow(), ids[0]);
    }
}
