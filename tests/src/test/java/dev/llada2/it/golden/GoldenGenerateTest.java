package dev.llada2.it.golden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.checkpoint.TensorReader;
import dev.llada2.decode.BlockDiffusionDecoder;
import dev.llada2.decode.CommitPolicy;
import dev.llada2.decode.DecodeListener;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeResult;
import dev.llada2.decode.EngineDenoiser;
import dev.llada2.decode.ThresholdCommit;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 *       engine's softmax probability of the recorded token is within 5e-5 of {@code x0_p}, and the
 *       commit rule applied to the recorded (x0, x0_p) gives the recorded commit set.</li>
 * </ul>
 * Run alone: {@code ./run-tests -pl tests -Dtest=GoldenGenerateTest}.
 */
class GoldenGenerateTest {

    private static final Map<String, LoadedModel> MODELS = new HashMap<>();

    static synchronized LoadedModel model(Golden g) {
        return MODELS.computeIfAbsent(g.name(), n -> LoadedModel.open(g.modelDir()));
    }

    @AfterAll
    static void close() {
        MODELS.values().forEach(LoadedModel::close);
    }

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
                                try (Engine engine = CpuEngine.singleDevice(model(g).weights())) {
                                    GoldenAssertions.generateMatches(c, generate(engine, c, cache));
                                }
                            }));
                }
            }
        }
        return tests;
    }

    static DecodeResult generate(Engine engine, JsonNode c, boolean cache) {
        DecodeOptions o = GoldenAssertions.options(c, cache);
        return BlockDiffusionDecoder.official(new EngineDenoiser(engine, cache), o)
                .generate(Golden.ints(c.get("prompt")), DecodeListener.NONE);
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
        int[][] before = rows(g, id + ".canvas_before");
        int[][] x0 = rows(g, id + ".x0");
        float[][] x0p = floatRows(g, id + ".x0_p");
        int[][] committed = rows(g, id + ".committed");
        DecodeOptions o = GoldenAssertions.options(c, false);
        CommitPolicy policy = new ThresholdCommit(o.threshold());
        int[] schedule = o.schedule();
        int b = o.blockLength();
        try (Engine engine = CpuEngine.singleDevice(model(g).weights())) {
            for (int j = 0; j < before.length; j++) {
                JsonNode step = c.get("steps").get(j);
                int end = step.get("window_end").asInt();
                int start = end - b;
                int[] window = Arrays.copyOf(before[j], end);
                engine.resetCache();
                ForwardResult r = engine.forward(new ForwardRequest(window, 0, new AttentionMask.BlockCausal(b), false,
                        new HeadRequest.Logits(IntStream.range(start, end).toArray()), TraceSink.NONE));
                for (int i = 0; i < b; i++) {
                    double p = softmaxAt(r.logits()[i], x0[j][i]);
                    assertTrue(Math.abs(p - x0p[j][i]) <= 5e-5, id + " forward " + j + " row " + i + ": p(x0) = " + p
                            + ", recorded " + x0p[j][i]);
                }
                int[] masked = IntStream.range(0, b).filter(i -> window[start + i] == o.maskId()).toArray();
                int[] recorded = x0[j];
                int[] cand = Arrays.stream(masked).map(i -> recorded[i]).toArray();
                float[] conf = new float[masked.length];
                for (int i = 0; i < masked.length; i++) {
                    conf[i] = x0p[j][masked[i]];
                }
                CommitPolicy.Decision d = policy.decide(masked, cand, conf, schedule[step.get("step").asInt()]);
                boolean[] picked = new boolean[b];
                for (int k : d.picks()) {
                    picked[masked[k]] = true;
                }
                for (int i = 0; i < b; i++) {
                    assertEquals(committed[j][i] != 0, picked[i], id + " forward " + j + " commit of row " + i);
                }
                assertEquals(step.get("path").asText(), d.path(), id + " forward " + j + " path");
            }
        }
    }

    private static double softmaxAt(float[] logits, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        return Math.exp(logits[token] - max) / sum;
    }

    private static int[][] rows(Golden g, String key) {
        var t = g.generateTensor(key);
        int[] flat = TensorReader.toInts(t);
        return split(flat, (int) t.shape()[0], (int) t.shape()[1]);
    }

    private static float[][] floatRows(Golden g, String key) {
        var t = g.generateTensor(key);
        float[] flat = TensorReader.toFloats(t);
        int n = (int) t.shape()[0];
        int m = (int) t.shape()[1];
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(flat, i * m, (i + 1) * m);
        }
        return out;
    }

    private static int[][] split(int[] flat, int n, int m) {
        int[][] out = new int[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(flat, i * m, (i + 1) * m);
        }
        return out;
    }
}
