package dev.llada2.it.golden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.decode.BlockDiffusionDecoder;
import dev.llada2.decode.CommitPolicy;
import dev.llada2.decode.CurrentBlock;
import dev.llada2.decode.DecodeListener;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.EngineDenoiser;
import dev.llada2.decode.GreedyChooser;
import dev.llada2.decode.JointThresholdCommit;
import dev.llada2.decode.RepetitionPenalty;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import dev.llada2.trace.TraceSink;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every joint-threshold (token editing) case of {@code ../shared/golden/tiny/edit} and
 * {@code small/edit} on the CPU engine:
 * <ul>
 *   <li>end to end, exactly, with and without the prefix KV cache: per forward the block, iteration,
 *       M2T positions and tokens, fallback, T2T positions with old and new tokens, action; the forward
 *       and edit counts; the returned ids; the final canvas;</li>
 *   <li>replay, forward by forward: fed the recorded window, the engine's probability of the argmax
 *       (after the repetition penalty) is within 5e-5 of the recorded {@code p} on every row, its
 *       argmax equals the recorded {@code x} wherever the top-1/top-2 gap is at least 1e-3, and the
 *       joint rule applied to the recorded (x, p) gives the recorded M2T and T2T rows and action.</li>
 * </ul>
 * Run alone: {@code ./run-tests -pl tests -am -Dtest=GoldenEditTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class GoldenEditTest {

    @TestFactory
    List<DynamicTest> editCasesAreReproducedExactly() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Golden.MODELS) {
            Golden g = Golden.of(name);
            for (JsonNode c : g.editCases()) {
                for (boolean cache : new boolean[] {true, false}) {
                    tests.add(DynamicTest.dynamicTest(name + "/" + c.get("id").asText() + (cache ? "/kv-cache" : "/no-cache"),
                            () -> {
                                try (Engine engine = CpuEngine.singleDevice(g.model().weights())) {
                                    GoldenAssertions.editMatches(c, BlockDiffusionDecoder.of(
                                            new EngineDenoiser(engine, cache), GoldenAssertions.editOptions(c, cache))
                                            .generate(Golden.ints(c.get("prompt")), DecodeListener.NONE));
                                }
                            }));
                }
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> editCasesReplayForwardByForward() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Golden.MODELS) {
            Golden g = Golden.of(name);
            for (JsonNode c : g.editCases()) {
                tests.add(DynamicTest.dynamicTest(name + "/" + c.get("id").asText() + "/replay", () -> replay(g, c)));
            }
        }
        return tests;
    }

    private static void replay(Golden g, JsonNode c) {
        String id = c.get("id").asText();
        int[][] before = Golden.intRows(g.editTensor(id + ".canvas_before"));
        int[][] x = Golden.intRows(g.editTensor(id + ".x"));
        float[][] p = Golden.floatRows(g.editTensor(id + ".p"));
        float[][] gap = Golden.floatRows(g.editTensor(id + ".top1_top2_logit_gap"));
        int[][] m2t = Golden.intRows(g.editTensor(id + ".m2t"));
        int[][] t2t = Golden.intRows(g.editTensor(id + ".t2t"));
        DecodeOptions o = GoldenAssertions.editOptions(c, false);
        int b = o.blockLength();
        CommitPolicy policy = new JointThresholdCommit(o.threshold(), o.editThreshold(), o.maxPostEditSteps());
        RepetitionPenalty penalty = new RepetitionPenalty(o.penaltyLambda());
        int[] all = IntStream.range(0, b).toArray();
        try (Engine engine = CpuEngine.singleDevice(g.model().weights())) {
            for (int j = 0; j < before.length; j++) {
                JsonNode step = c.get("steps").get(j);
                String at = id + " forward " + j;
                int end = step.get("window_end").asInt();
                int blockIndex = step.get("block").asInt();
                int start = blockIndex * b;
                int[] window = Arrays.copyOf(before[j], end);
                boolean filled = step.get("n_masked_before").asInt() == 0;
                CurrentBlock block = CurrentBlock.resume(window, blockIndex, b, o.maskId(), promptRows(c, blockIndex, b),
                        step.get("iteration").asInt(), step.get("post_edit_steps").asInt() - (filled ? 1 : 0));

                engine.resetCache();
                ForwardResult r = engine.forward(new ForwardRequest(window, 0, new AttentionMask.BlockCausal(b), false,
                        new HeadRequest.Logits(IntStream.range(start, end).toArray()), TraceSink.NONE));
                penalty.apply(r, block, all);
                int[] argmax = new int[b];
                float[] conf = new float[b];
                new GreedyChooser().choose(r, argmax, conf);
                for (int i = 0; i < b; i++) {
                    assertTrue(Math.abs(conf[i] - p[j][i]) <= 5e-5, at + " row " + i + ": p = " + conf[i]
                            + ", recorded " + p[j][i]);
                    if (gap[j][i] >= 1e-3) {
                        assertEquals(x[j][i], argmax[i], at + " row " + i + " argmax");
                    }
                }

                int[] rows = policy.rows(block);
                int[] recordedX = new int[rows.length];
                float[] recordedP = new float[rows.length];
                for (int i = 0; i < rows.length; i++) {
                    recordedX[i] = x[j][rows[i]];
                    recordedP[i] = p[j][rows[i]];
                }
                CommitPolicy.Decision d = policy.decide(block, rows, recordedX, recordedP);
                boolean[] commit = new boolean[b];
                boolean[] edit = new boolean[b];
                Arrays.stream(d.commits()).forEach(i -> commit[rows[i]] = true);
                Arrays.stream(d.edits()).forEach(i -> edit[rows[i]] = true);
                for (int i = 0; i < b; i++) {
                    assertEquals(m2t[j][i] != 0, commit[i], at + " M2T of row " + i);
                    assertEquals(t2t[j][i] != 0, edit[i], at + " T2T of row " + i);
                }
                assertEquals(step.get("action").asText(), d.action().label(), at + " action");
            }
        }
    }

    /** Rows of block {@code blockIndex} that held prompt tokens when it started. */
    private static int[] promptRows(JsonNode c, int blockIndex, int b) {
        for (JsonNode blk : c.get("blocks")) {
            if (blk.get("block").asInt() == blockIndex) {
                return Arrays.stream(Golden.ints(blk.get("prompt_positions"))).map(pos -> pos - blockIndex * b).toArray();
            }
        }
        throw new IllegalStateException(c.get("id").asText() + " has no block " + blockIndex);
    }
}
