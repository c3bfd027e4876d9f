package dev.llada2.it.golden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.decode.CommitPolicy;
import dev.llada2.decode.CurrentBlock;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeResult;
import dev.llada2.decode.SamplingChooser;
import dev.llada2.decode.ThresholdCommit;
import dev.llada2.golden.GoldenChecks;
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
 * Every generate case of {@code ../shared/golden/tiny} and {@code small} on the CPU engine:
 * <ul>
 *   <li>greedy cases exactly, with and without the prefix KV cache: per step the block, step,
 *       committed positions and tokens and path; the forward count; the returned ids; the final
 *       canvas;</li>
 *   <li>official-sampler cases as replay: for every recorded step, feed {@code canvas_before}, the
 *       probability {@link SamplingChooser} draws the recorded token with (temperature 1, no filter:
 *       the official sampler at temperature 0) is within 5e-5 of {@code x0_p}, and the commit rule
 *       applied to the recorded (x0, x0_p) gives the recorded commit set.</li>
 * </ul>
 * Run alone: {@code ./run-tests -pl tests -Dtest=GoldenGenerateTest}.
 */
class GoldenGenerateTest {

    @TestFactory
    List<DynamicTest> greedyCasesAreReproducedExactly() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Golden.MODELS) {
            Golden g = Golden.of(name);
            for (JsonNode c : g.generateCases()) {
                if (!c.get("sampler").asText().equals("greedy")) {
                    continue;
                }
                for (boolean cache : new boolean[] {true, false}) {
                    tests.add(DynamicTest.dynamicTest(name + "/" + c.get("id").asText() + (cache ? "/kv-cache" : "/no-cache"),
                            () -> {
                                try (Engine engine = CpuEngine.singleDevice(g.model().weights())) {
                                    GoldenAssertions.generateMatches(c, generate(engine, c, cache));
                                }
                            }));
                }
            }
        }
        return tests;
    }

    static DecodeResult generate(Engine engine, JsonNode c, boolean cache) {
        return GoldenChecks.run(engine, c, GoldenAssertions.options(c, cache));
    }

    @TestFactory
    List<DynamicTest> officialSamplerCasesReplay() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Golden.MODELS) {
            Golden g = Golden.of(name);
            for (JsonNode c : g.generateCases()) {
                if (c.get("sampler").asText().equals("official")) {
                    tests.add(DynamicTest.dynamicTest(name + "/" + c.get("id").asText() + "/replay", () -> replay(g, c)));
                }
            }
        }
        return tests;
    }

    private static void replay(Golden g, JsonNode c) {
        String id = c.get("id").asText();
        int[][] before = Golden.intRows(g.generateTensor(id + ".canvas_before"));
        int[][] x0 = Golden.intRows(g.generateTensor(id + ".x0"));
        float[][] x0p = Golden.floatRows(g.generateTensor(id + ".x0_p"));
        int[][] committed = Golden.intRows(g.generateTensor(id + ".committed"));
        DecodeOptions o = GoldenAssertions.options(c, false);
        CommitPolicy policy = new ThresholdCommit(o.threshold(), o.schedule());
        // the official sampler at temperature 0 draws from the plain softmax: temperature 1, no filter
        SamplingChooser sampler = new SamplingChooser(1.0, 0, 1.0, 0L);
        int b = o.blockLength();
        try (Engine engine = CpuEngine.singleDevice(g.model().weights())) {
            for (int j = 0; j < before.length; j++) {
                JsonNode step = c.get("steps").get(j);
                int end = step.get("window_end").asInt();
                int start = end - b;
                int[] window = Arrays.copyOf(before[j], end);
                engine.resetCache();
                ForwardResult r = engine.forward(new ForwardRequest(window, 0, new AttentionMask.BlockCausal(b), false,
                        new HeadRequest.Logits(IntStream.range(start, end).toArray()), TraceSink.NONE));
                for (int i = 0; i < b; i++) {
                    double p = sampler.distribution(r.logits()[i])[x0[j][i]];
                    assertTrue(Math.abs(p - x0p[j][i]) <= 5e-5, id + " forward " + j + " row " + i + ": p(x0) = " + p
                            + ", recorded " + x0p[j][i]);
                }
                CurrentBlock block = CurrentBlock.resume(window, start / b, b, o.maskId(), new int[0],
                        step.get("step").asInt(), 0);
                int[] masked = policy.rows(block);
                int[] recorded = x0[j];
                int[] cand = Arrays.stream(masked).map(i -> recorded[i]).toArray();
                float[] conf = new float[masked.length];
                for (int i = 0; i < masked.length; i++) {
                    conf[i] = x0p[j][masked[i]];
                }
                CommitPolicy.Decision d = policy.decide(block, masked, cand, conf);
                boolean[] picked = new boolean[b];
                for (int k : d.commits()) {
                    picked[masked[k]] = true;
                }
                for (int i = 0; i < b; i++) {
                    assertEquals(committed[j][i] != 0, picked[i], id + " forward " + j + " commit of row " + i);
                }
                assertEquals(step.get("path").asText(), d.path(), id + " forward " + j + " path");
            }
        }
    }
}
