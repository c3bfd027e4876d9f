package dev.llada2.decode;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Edge cases of {@link BlockDiffusionDecoder} against a scripted {@link FakeDenoiser}: prompt
 * alignment, EOS handling (first token, early stop on/off, disabled), threshold never/always
 * reached, fewer steps than the block length, streaming. Run alone:
 * {@code ./run-tests -pl model -Dtest=BlockDiffusionDecoderTest}.
 */
class BlockDiffusionDecoderTest {

    static final int MASK = 99;
    static final int EOS = 7;

    /** Predicts 10 + position with a confidence that falls with the position. */
    static final FakeDenoiser.Script RAMP = new FakeDenoiser.Script() {
        @Override
        public int token(int[] canvas, int position) {
            return 10 + position;
        }

        @Override
        public float confidence(int[] canvas, int position) {
            return 0.5f - position * 0.001f;
        }
    };

    static DecodeOptions options(int gen, int block, int steps, double threshold, int eos, boolean earlyStop) {
        return new DecodeOptions(gen, block, steps, threshold, 1, 0, 0, 1, 0, eos, MASK, earlyStop, true);
    }

    static DecodeResult run(FakeDenoiser.Script script, int[] prompt, DecodeOptions o, List<Integer> streamed) {
        FakeDenoiser d = new FakeDenoiser(script);
        return BlockDiffusionDecoder.of(d, o).generate(prompt, new DecodeListener() {
            @Override
            public void onTokens(int[] tokens) {
                Arrays.stream(tokens).forEach(streamed::add);
            }
        });
    }

    @Test
    void fallbackCommitsOneTokenPerStepLeftToRightWhenConfidenceFallsWithPosition() {
        List<Integer> streamed = new ArrayList<>();
        DecodeResult r = run(RAMP, new int[] {1, 2, 3}, options(5, 4, 4, 0.95, EOS, true), streamed);
        // canvas: 2 blocks of 4; block 0 has 1 mask (pos 3), block 1 has 4 masks
        assertEquals(5, r.forwards());
        assertArrayEquals(new int[] {13, 14, 15, 16, 17}, r.generatedIds());
        assertEquals(List.of(13, 14, 15, 16, 17), streamed);
        for (StepRecord s : r.steps()) {
            assertEquals("fallback", s.path());
            assertEquals(1, s.committedPositions().length);
        }
        assertArrayEquals(new int[] {1, 2, 3, 13, 14, 15, 16, 17}, r.finalCanvas());
    }

    @Test
    void blockAlignedPromptStartsAtTheNextBlockAndPrefillsEveryPromptBlock() {
        FakeDenoiser d = new FakeDenoiser(RAMP);
        DecodeResult r = BlockDiffusionDecoder.of(d, options(4, 4, 4, 0.95, EOS, true))
                .generate(new int[] {1, 2, 3, 4, 5, 6, 7 + 1, 9}, DecodeListener.NONE);
        assertEquals(2, d.lastPromptBlocks);
        assertEquals(2, r.steps().getFirst().block());
        assertArrayEquals(new int[] {18, 19, 20, 21}, r.generatedIds());
    }

    @Test
    void promptSpanningBlocksSharesItsLastPartialBlockWithTheAnswer() {
        DecodeResult r = run(RAMP, IntStream.range(20, 26).toArray(), options(3, 4, 4, 0.95, EOS, true), new ArrayList<>());
        // prompt of 6 in blocks of 4: block 1 holds 2 prompt tokens and 2 masks; the answer needs one more block.
        // steps = min(4, genLength 3) = 3, so the schedule is 2, 1, 1
        assertEquals(1, r.steps().getFirst().block());
        assertEquals(2, r.steps().getFirst().masked());
        assertArrayEquals(new int[] {16, 17, 18}, r.generatedIds());
        // the last block is fully decoded even past the requested length: 1 forward in block 1, 3 in block 2
        assertEquals(1 + 3, r.forwards());
        assertEquals(19, r.finalCanvas()[9]);
    }

    @Test
    void thresholdAlwaysReachedCommitsAWholeBlockPerForward() {
        FakeDenoiser.Script sure = script((c, p) -> 10 + p, (c, p) -> 0.99f);
        DecodeResult r = run(sure, new int[] {1}, options(7, 4, 4, 0.95, EOS, true), new ArrayList<>());
        assertEquals(2, r.forwards());
        assertEquals("threshold", r.steps().get(0).path());
        assertArrayEquals(new int[] {1, 2, 3}, r.steps().get(0).committedPositions());
        assertArrayEquals(new int[] {11, 12, 13, 14, 15, 16, 17}, r.generatedIds());
    }

    @Test
    void thresholdIsStrict() {
        FakeDenoiser.Script exactly = script((c, p) -> 10 + p, (c, p) -> 0.95f);
        DecodeResult r = run(exactly, new int[] {1}, options(7, 4, 4, 0.95f, EOS, true), new ArrayList<>());
        assertTrue(r.steps().stream().allMatch(s -> s.path().equals("fallback")));
        assertEquals(3 + 4, r.forwards());
    }

    @Test
    void fewerStepsThanTheBlockCommitSeveralTokensPerStep() {
        // block 8, 3 steps: schedule 3, 3, 2
        assertArrayEquals(new int[] {3, 3, 2}, options(8, 8, 3, 0.95, EOS, true).schedule());
        DecodeResult r = run(RAMP, new int[0], options(8, 8, 3, 0.95, EOS, true), new ArrayList<>());
        assertEquals(3, r.forwards());
        assertArrayEquals(new int[] {0, 1, 2}, r.steps().get(0).committedPositions());
        assertArrayEquals(new int[] {6, 7}, r.steps().get(2).committedPositions());
    }

    @Test
    void stepsAreCappedByGenLengthOverMinimalTopk() {
        DecodeOptions o = new DecodeOptions(6, 8, 32, 0.95, 2, 0, 0, 1, 0, EOS, MASK, true, true);
        assertEquals(3, o.effectiveSteps());
    }

    @Test
    void eosAsTheFirstTokenStopsImmediatelyWithEarlyStop() {
        FakeDenoiser.Script eosFirst = script((c, p) -> p == 2 ? EOS : 10 + p, (c, p) -> p == 2 ? 0.9f : 0.1f);
        List<Integer> streamed = new ArrayList<>();
        DecodeResult r = run(eosFirst, new int[] {1, 2}, options(10, 4, 4, 0.95, EOS, true), streamed);
        assertEquals(1, r.forwards());
        assertTrue(r.earlyStop());
        assertArrayEquals(new int[] {EOS}, r.generatedIds());
        assertEquals(List.of(EOS), streamed);
    }

    @Test
    void withoutEarlyStopTheBlockHoldingEosIsFinishedThenDecodingStops() {
        FakeDenoiser.Script eosFirst = script((c, p) -> p == 2 ? EOS : 10 + p, (c, p) -> p == 2 ? 0.9f : 0.1f);
        List<Integer> streamed = new ArrayList<>();
        DecodeResult r = run(eosFirst, new int[] {1, 2}, options(10, 4, 4, 0.95, EOS, false), streamed);
        assertFalse(r.earlyStop());
        assertEquals(2, r.forwards()); // block 0 has two masks, finished; no later block
        assertArrayEquals(new int[] {EOS}, r.generatedIds());
        assertEquals(MASK, r.finalCanvas()[4]);
        assertEquals(List.of(EOS), streamed);
    }

    @Test
    void earlyStopIsOnlyCheckedAtTheStepThatCommitsTheEos() {
        // EOS committed first at position 3 while position 2 is still masked: no early stop then; the step
        // that fills position 2 commits no EOS, so (as officially) the end-of-block rule stops decoding
        FakeDenoiser.Script late = script((c, p) -> p == 3 ? EOS : 10 + p, (c, p) -> p == 3 ? 0.99f : 0.2f);
        DecodeResult r = run(late, new int[] {1, 2}, options(10, 4, 4, 0.95, EOS, true), new ArrayList<>());
        assertEquals(2, r.forwards());
        assertFalse(r.earlyStop());
        assertArrayEquals(new int[] {12, EOS}, r.generatedIds());
    }

    @Test
    void earlyStopFiresWhenTheEosStepLeavesNoMaskBeforeIt() {
        // position 2 is certain, EOS at 3 is committed one step later by the fallback
        FakeDenoiser.Script ordered = script((c, p) -> p == 3 ? EOS : 10 + p, (c, p) -> p == 2 ? 0.99f : 0.2f);
        DecodeResult r = run(ordered, new int[] {1, 2}, options(10, 4, 4, 0.95, EOS, true), new ArrayList<>());
        assertEquals(2, r.forwards());
        assertTrue(r.earlyStop());
        assertArrayEquals(new int[] {12, EOS}, r.generatedIds());
    }

    @Test
    void eosDisabledGeneratesTheFullLength() {
        FakeDenoiser.Script eosEverywhere = script((c, p) -> EOS, (c, p) -> 0.99f);
        DecodeResult r = run(eosEverywhere, new int[] {1}, options(6, 4, 4, 0.95, -1, true), new ArrayList<>());
        assertEquals(6, r.generatedIds().length);
        assertFalse(r.earlyStop());
        assertEquals(2, r.forwards());
    }

    @Test
    void thresholdNeverReachedTakesTheMostConfidentPositionsFirst() {
        // confidence rises with position: the fallback commits right to left
        FakeDenoiser.Script rising = script((c, p) -> 10 + p, (c, p) -> 0.1f + p * 0.01f);
        DecodeResult r = run(rising, new int[0], options(4, 4, 4, 0.95, EOS, true), new ArrayList<>());
        assertArrayEquals(new int[] {3}, r.steps().get(0).committedPositions());
        assertArrayEquals(new int[] {0}, r.steps().get(3).committedPositions());
    }

    @Test
    void finishedBlocksAreHandedToTheDenoiserExceptTheLast() {
        FakeDenoiser d = new FakeDenoiser(RAMP);
        BlockDiffusionDecoder.of(d, options(8, 4, 4, 0.95, EOS, true)).generate(new int[] {1}, DecodeListener.NONE);
        assertEquals(2, d.finishes); // blocks 0 and 1 of 3
    }

    static FakeDenoiser.Script script(java.util.function.BiFunction<int[], Integer, Integer> token,
                                      java.util.function.BiFunction<int[], Integer, Float> conf) {
        return new FakeDenoiser.Script() {
            @Override
            public int token(int[] canvas, int position) {
                return token.apply(canvas, position);
            }

            @Override
            public float confidence(int[] canvas, int position) {
                return conf.apply(canvas, position);
            }
        };
    }
}
