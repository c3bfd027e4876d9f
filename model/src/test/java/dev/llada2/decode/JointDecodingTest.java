package dev.llada2.decode;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.llada2.decode.BlockDiffusionDecoderTest.EOS;
import static dev.llada2.decode.BlockDiffusionDecoderTest.MASK;
import static dev.llada2.decode.BlockDiffusionDecoderTest.script;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The joint-threshold rule (token editing) in {@link BlockDiffusionDecoder} against a scripted
 * {@link FakeDenoiser}: rows asked for, mask-to-token and its fallback, token-to-token edits and the
 * strictness of their threshold, the post-edit budget, the iteration cap, EOS, streaming of final
 * blocks only, the cache protocol with edited blocks, the repetition penalty, cancellation.
 * Run alone: {@code ./run-tests -pl model -Dtest=JointDecodingTest}.
 */
class JointDecodingTest {

    static DecodeOptions joint(int gen, int block, double threshold, double edit, int maxPost, double lambda, int eos) {
        return new DecodeOptions(gen, block, block, threshold, 1, 0, 0, 1, 0, eos, MASK, true, true)
                .withJoint(edit, maxPost, lambda);
    }

    record Run(DecodeResult result, FakeDenoiser denoiser, List<Integer> streamed, List<int[]> streamedChunks) {
    }

    static Run run(FakeDenoiser.Script s, int[] prompt, DecodeOptions o) {
        FakeDenoiser d = new FakeDenoiser(s);
        List<Integer> streamed = new ArrayList<>();
        List<int[]> chunks = new ArrayList<>();
        DecodeResult r = BlockDiffusionDecoder.of(d, o).generate(prompt, new DecodeListener() {
            @Override
            public void onTokens(int[] tokens) {
                chunks.add(tokens);
                Arrays.stream(tokens).forEach(streamed::add);
            }
        });
        return new Run(r, d, streamed, chunks);
    }

    /** Fills masks with 10 + position, then predicts 30 + position for every generated row. */
    static final FakeDenoiser.Script EDIT_ONCE = script((c, p) -> c[p] == MASK ? 10 + p : 30 + p, (c, p) -> 0.9f);

    /** Fills masks with 10 + position, then always predicts the current token + 100. */
    static final FakeDenoiser.Script EDIT_FOREVER = script((c, p) -> c[p] == MASK ? 10 + p : c[p] + 100,
            (c, p) -> 0.9f);

    @Test
    void asksForEveryRowThatIsNotPromptAndStopsWhenNothingChanges() {
        Run r = run(script((c, p) -> 10 + p, (c, p) -> 0.9f), new int[] {1, 2, 3}, joint(5, 4, 0.5, 0.5, 16, 0, EOS));
        // block 0: fill row 3, then a forward that changes nothing; block 1: fill all four, then the same
        assertEquals(4, r.result().forwards());
        assertArrayEquals(new int[] {3}, r.denoiser().requestedRows.get(0));
        assertArrayEquals(new int[] {3}, r.denoiser().requestedRows.get(1));
        assertArrayEquals(new int[] {0, 1, 2, 3}, r.denoiser().requestedRows.get(2));
        assertEquals(CommitPolicy.Action.TRANSFER, r.result().steps().get(0).action());
        assertEquals(CommitPolicy.Action.FINISH_NO_TRANSFER, r.result().steps().get(1).action());
        assertEquals("none", r.result().steps().get(1).path());
        assertArrayEquals(new int[] {13, 14, 15, 16, 17}, r.result().generatedIds());
        assertEquals(0, r.result().edits());
    }

    @Test
    void editsRewriteGeneratedTokensAndOnlyFinalBlocksAreStreamed() {
        Run r = run(EDIT_ONCE, new int[] {1}, joint(7, 4, 0.5, 0.5, 16, 0, -1));
        StepRecord edit = r.result().steps().get(1);
        assertArrayEquals(new int[] {1, 2, 3}, edit.editedPositions());
        assertArrayEquals(new int[] {11, 12, 13}, edit.editedFrom());
        assertArrayEquals(new int[] {31, 32, 33}, edit.editedTo());
        assertEquals(0, edit.committedPositions().length);
        assertEquals(CommitPolicy.Action.FINISH_NO_TRANSFER, r.result().steps().get(2).action());
        assertEquals(3 + 3, r.result().forwards());
        assertEquals(3 + 4, r.result().edits());
        assertArrayEquals(new int[] {31, 32, 33, 34, 35, 36, 37}, r.result().generatedIds());
        // each block once, when finished: never the provisional 11, 12, 13
        assertEquals(List.of(31, 32, 33, 34, 35, 36, 37), r.streamed());
        assertArrayEquals(new int[] {31, 32, 33}, r.streamedChunks().get(0));
        // the cache protocol: the finished block is appended with its edited tokens
        assertArrayEquals(new int[] {1, 31, 32, 33}, r.denoiser().finishedBlocks.getFirst());
    }

    @Test
    void theEditThresholdIsStrict() {
        Run r = run(script((c, p) -> c[p] == MASK ? 10 + p : 30 + p, (c, p) -> 0.5f), new int[] {1},
                joint(3, 4, 0.4, 0.5, 16, 0, -1));
        assertEquals(2, r.result().forwards());
        assertEquals(0, r.result().edits());
        assertArrayEquals(new int[] {11, 12, 13}, r.result().generatedIds());
    }

    @Test
    void thePostEditBudgetEndsABlockThatKeepsChangingWithAnUnusedForward() {
        Run r = run(EDIT_FOREVER, new int[] {1}, joint(3, 4, 0.5, 0.5, 2, 0, -1));
        // fill, two post-edit steps, then the third finds the budget spent
        assertEquals(4, r.result().forwards());
        StepRecord last = r.result().steps().get(3);
        assertEquals(CommitPolicy.Action.FINISH_POST_EDIT_BUDGET, last.action());
        assertEquals(0, last.editedPositions().length);
        assertEquals(6, r.result().edits());
        assertArrayEquals(new int[] {211, 212, 213}, r.result().generatedIds());
    }

    @Test
    void editsHappenWhileMasksRemainAndTheIterationCapEndsTheBlock() {
        // masked rows are never confident: the fallback fills one per forward (the rightmost is the most
        // confident); generated rows are always rewritten
        FakeDenoiser.Script s = script((c, p) -> c[p] == MASK ? 10 + p : c[p] + 100,
                (c, p) -> c[p] == MASK ? 0.1f + 0.01f * p : 0.9f);
        Run r = run(s, new int[] {1, 2, 3, 4}, joint(4, 4, 0.5, 0.05, 2, 0, -1));
        // 4 fills (each editing the rows filled before), then 2 post-edit steps: 4 + 2 forwards, the cap
        assertEquals(6, r.result().forwards());
        for (int i = 0; i < 4; i++) {
            StepRecord st = r.result().steps().get(i);
            assertEquals("fallback", st.path());
            assertArrayEquals(new int[] {7 - i}, st.committedPositions());
            assertEquals(i, st.editedPositions().length);
        }
        assertEquals(CommitPolicy.Action.TRANSFER, r.result().steps().get(5).action());
        assertEquals(0 + 1 + 2 + 3 + 4 + 4, r.result().edits());
    }

    @Test
    void anEosEditedAwayDoesNotStopAndTheEarlyStopWaitsForTheBlock() {
        FakeDenoiser.Script s = script((c, p) -> c[p] == MASK ? (p == 2 ? EOS : 10 + p) : c[p] == EOS ? 50 : c[p],
                (c, p) -> 0.9f);
        Run r = run(s, new int[] {1}, joint(7, 4, 0.5, 0.5, 16, 0, EOS));
        assertFalse(r.result().earlyStop());
        assertArrayEquals(new int[] {11, 50, 13, 14, 15, 16, 17}, r.result().generatedIds());
        assertEquals(3 + 2, r.result().forwards());
    }

    @Test
    void anEosThatStaysEndsGenerationAfterItsBlock() {
        FakeDenoiser.Script s = script((c, p) -> c[p] == MASK ? (p == 2 ? EOS : 10 + p) : c[p], (c, p) -> 0.9f);
        Run r = run(s, new int[] {1}, joint(10, 4, 0.5, 0.5, 16, 0, EOS));
        assertEquals(2, r.result().forwards());
        assertArrayEquals(new int[] {11, EOS}, r.result().generatedIds());
        assertEquals(List.of(11, EOS), r.streamed());
        assertEquals(0, r.denoiser().finishes);
    }

    /** Logits over 100 ids (the mask is 99): token 5 scores 3.0 and token 6 2.5 everywhere. */
    static final FakeDenoiser.Script FIVE_OR_SIX = new FakeDenoiser.Script() {
        @Override
        public int token(int[] canvas, int position) {
            throw new AssertionError("a penalty needs logits");
        }

        @Override
        public float confidence(int[] canvas, int position) {
            throw new AssertionError("a penalty needs logits");
        }

        @Override
        public float[] logits(int[] canvas, int position) {
            float[] l = new float[100];
            l[5] = 3.0f;
            l[6] = 2.5f;
            return l;
        }
    };

    @Test
    void thePenaltyLowersTheLeftNeighboursTokenButNeverOnRowZero() {
        // block 1 starts after a prompt block ending in 5: row 0 keeps 5 (never penalised); each later row
        // loses 1.0 on the token its left neighbour held when the forward started
        Run r = run(FIVE_OR_SIX, new int[] {1, 1, 1, 5}, joint(4, 4, 0.0, 0.0, 16, 1.0, -1));
        assertArrayEquals(new int[] {5, 5, 5, 5}, r.result().steps().get(0).committedTokens());
        assertArrayEquals(new int[] {5, 6, 6, 6}, tokensAfter(r.result(), 1));
        assertArrayEquals(new int[] {5, 6, 5, 6}, r.result().generatedIds());
        assertEquals(CommitPolicy.Action.FINISH_NO_TRANSFER, r.result().steps().getLast().action());
    }

    @Test
    void thePenaltyAppliesToPromptNeighboursAndMaskNeighbours() {
        // row 1's neighbour is prompt token 5: 6 wins; rows 2 and 3 see masks at first, so 5 wins there
        Run r = run(FIVE_OR_SIX, new int[] {5}, joint(3, 4, 0.0, 0.0, 16, 1.0, -1));
        assertArrayEquals(new int[] {6, 5, 5}, r.result().steps().get(0).committedTokens());
        assertArrayEquals(new int[] {6, 5, 6}, r.result().generatedIds());
    }

    /** The block's tokens after forward {@code step}, rebuilt from the step records. */
    private static int[] tokensAfter(DecodeResult r, int step) {
        int[] block = new int[4];
        Arrays.fill(block, MASK);
        for (int s = 0; s <= step; s++) {
            StepRecord st = r.steps().get(s);
            for (int i = 0; i < st.committedPositions().length; i++) {
                block[st.committedPositions()[i] - 4] = st.committedTokens()[i];
            }
            for (int i = 0; i < st.editedPositions().length; i++) {
                block[st.editedPositions()[i] - 4] = st.editedTo()[i];
            }
        }
        return block;
    }

    @Test
    void aCancelledGenerationStopsBeforeTheNextForwardWithWhatWasFinal() {
        FakeDenoiser d = new FakeDenoiser(EDIT_ONCE);
        int[] steps = {0};
        List<Integer> streamed = new ArrayList<>();
        DecodeResult r = BlockDiffusionDecoder.of(d, joint(7, 4, 0.5, 0.5, 16, 0, -1)).generate(new int[] {1},
                new DecodeListener() {
                    @Override
                    public void onStep(StepRecord step, int blocksTotal) {
                        steps[0]++;
                    }

                    @Override
                    public void onTokens(int[] tokens) {
                        Arrays.stream(tokens).forEach(streamed::add);
                    }

                    @Override
                    public boolean cancelled() {
                        return steps[0] >= 4; // block 0 took 3 forwards; stop one forward into block 1
                    }
                });
        assertTrue(r.cancelled());
        assertEquals(4, r.forwards());
        assertEquals(4, d.denoises);
        assertArrayEquals(new int[] {31, 32, 33}, r.generatedIds());
        assertEquals(List.of(31, 32, 33), streamed);
    }

    @Test
    void aGenerationCancelledBeforeItStartsRunsNoForward() {
        FakeDenoiser d = new FakeDenoiser(EDIT_ONCE);
        DecodeResult r = BlockDiffusionDecoder.of(d, joint(7, 4, 0.5, 0.5, 16, 0, -1)).generate(new int[] {1},
                new DecodeListener() {
                    @Override
                    public boolean cancelled() {
                        return true;
                    }
                });
        assertTrue(r.cancelled());
        assertEquals(0, d.begins + d.denoises + d.finishes);
        assertEquals(0, r.generatedIds().length);
    }

    @Test
    void jointOptionsAreValidated() {
        DecodeOptions o = joint(8, 4, 0.5, 0.0, 16, 0, EOS);
        assertThrows(RuntimeException.class, () -> o.withJoint(1.5, 16, 0));
        assertThrows(RuntimeException.class, () -> o.withJoint(0.5, -1, 0));
        assertThrows(RuntimeException.class, () -> o.withJoint(0.5, 16, -0.1));
        assertEquals(DecodeOptions.Decoding.JOINT, o.decoding());
        assertEquals(DecodeOptions.Decoding.JOINT, o.withKvCache(false).decoding());
    }
}
