package dev.llada2.cli.serve;

import dev.llada2.tokenizer.DemoTokenizer;
import dev.llada2.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pieces per finished block, and stop sequences cut where they begin, even across blocks. */
class AnswerStreamTest {

    @TempDir
    static Path tmp;
    static Tokenizer tokenizer;

    @BeforeAll
    static void tokenizer() {
        DemoTokenizer.write(tmp.resolve("tokenizer.json"), 640);
        tokenizer = Tokenizer.load(tmp.resolve("tokenizer.json"));
    }

    record Piece(String text, int[] ids) {
    }

    @Test
    void onePiecePerBlockOfTheCanvas() {
        List<Piece> pieces = new ArrayList<>();
        // Prompt of 5 in blocks of 4: the answer's blocks are positions 5-7, 8-11, 12-15.
        AnswerStream s = new AnswerStream(5, 4, Optional.empty(), List.of(), (t, ids) -> pieces.add(new Piece(t, ids)));
        s.tokens(new int[] {1, 2});
        assertTrue(pieces.isEmpty(), "block 1 not finished");
        s.tokens(new int[] {3, 4});
        assertEquals(1, pieces.size());
        assertEquals(List.of(1, 2, 3), ids(pieces.getFirst()), "position 7 ends the first block; 4 is the next's");
        s.tokens(new int[] {5, 6, 7});
        assertEquals(2, pieces.size());
        assertEquals(List.of(4, 5, 6, 7), ids(pieces.get(1)), "positions 8-11");
        s.tokens(new int[] {8});
        s.finish();
        assertEquals(List.of(8), ids(pieces.get(2)), "the rest at the end");
        assertEquals("", s.text(), "no tokenizer, no text");
    }

    @Test
    void stopSequenceAcrossBlocksCutsTheText() {
        String answer = "The city wakes up: people walk to the station.";
        int[] ids = tokenizer.encode(answer, false);
        for (String stop : List.of("walk", "wakes up: p", ".", "The")) {
            List<String> texts = new ArrayList<>();
            AnswerStream s = new AnswerStream(0, 2, Optional.of(tokenizer), List.of("zzz", stop),
                    (t, i) -> texts.add(t));
            for (int id : ids) {
                if (!s.stopped()) {
                    s.tokens(new int[] {id});
                }
            }
            s.finish();
            String want = answer.substring(0, answer.indexOf(stop));
            assertTrue(s.stopped(), stop);
            assertEquals(want, s.text(), stop);
            assertEquals(want, String.join("", texts), "what was streamed, for stop '" + stop + "'");
        }
    }

    @Test
    void textThatMightStartAStopIsHeldBackUntilItDoesNot() {
        List<String> texts = new ArrayList<>();
        AnswerStream s = new AnswerStream(0, 1, Optional.of(tokenizer), List.of("people walk"),
                (t, i) -> texts.add(t));
        for (int id : tokenizer.encode("people talk", false)) {
            s.tokens(new int[] {id});
        }
        assertFalse(String.join("", texts).contains("people"), "held back: " + texts);
        s.finish();
        assertFalse(s.stopped());
        assertEquals("people talk", String.join("", texts));
    }

    private static List<Integer> ids(Piece p) {
        return Arrays.stream(p.ids()).boxed().toList();
    }
}
