package dev.llada2.tornado;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.profiles.ProfileLoader;
import dev.llada2.profiles.ProfileRuntime;
import dev.llada2.profiles.fit.Plan;
import dev.llada2.profiles.fit.PlanOptions;
import dev.llada2.profiles.fit.Planner;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.EngineStats;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import dev.llada2.trace.ForwardTrace;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static dev.llada2.testing.Messages.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One TornadoVM device (PoCL) as every layer's home with routed experts in host memory on a CPU device,
 * the llama.cpp {@code --cpu-moe} layout of the bundled {@code gpu1-cpu-experts} profile, built from a
 * profile through {@link Planner} and {@link ProfileRuntime}: (a) the experts of every MoE layer, (b)
 * those of the first MoE layer only, (c) three pairs of experts of every MoE layer (the others stay on
 * the device: both kinds of slot meet in the device's combine). Every greedy golden case of tiny and
 * small is reproduced exactly with the KV cache; logits equal the single-device TornadoVM engine's
 * within the golden fp32 tolerance; the hand-off bytes are exactly {@code 8 T k + 4 H (U + S)} per
 * offloaded layer and pass (ids and weights down, the input rows of the U tokens routed to host
 * experts down, one row per host slot S back up). The six engines are created once (JIT on PoCL is
 * slow) and shared.
 */
class TornadoExpertOffloadTest {

    /** Which routed experts the profile puts in host memory. */
    enum Layout {
        /** Every routed expert of every MoE layer ({@code gpu1-cpu-experts}, llama.cpp {@code --cpu-moe}). */
        ALL_MOE_LAYERS("\"expert_offload\": {\"device\": \"host\", \"fraction\": 1.0}"),
        /** Every routed expert of the first MoE layer (llama.cpp {@code --n-cpu-moe 1}). */
        FIRST_MOE_LAYER("\"expert_offload\": {\"device\": \"host\", \"first_moe_layers\": 1}"),
        /**
         * Experts 2-3, 6-7 and 10-11 of every MoE layer: the device keeps four ranges and computes
         * its slots itself; both kinds of slots meet in one combine.
         */
        SOME_EXPERTS("\"experts\": {\"ranges\": [{\"device\": \"host\", \"experts\": \"2-3\"},"
                + " {\"device\": \"host\", \"experts\": \"6-7\"},"
                + " {\"device\": \"host\", \"experts\": \"10-11\"}]}");

        final String placement;

        Layout(String placement) {
            this.placement = placement;
        }
    }

    private record Built(Engine engine, Plan plan) {
    }

    private static final Map<String, Built> ENGINES = new HashMap<>();

    static String profile(Layout layout) {
        return """
                {"name": "pocl-cpu-experts", "devices": [
                  {"id": "pocl0", "backend": "tornado", "selector": "%s", "memory_gb": 4},
                  {"id": "host", "backend": "cpu", "threads": 2}],
                 "placement": {"home": "pocl0", %s}}"""
                .formatted(TestEngines.device(), layout.placement);
    }

    private static synchronized Built engine(String model, Layout layout) {
        Built b = ENGINES.computeIfAbsent(model + "/" + layout, k -> {
            LoadedModel m = TestEngines.model(model);
            Plan plan = Planner.plan(m.config(), ProfileLoader.parse(profile(layout), "test profile " + layout),
                    PlanOptions.defaults());
            return new Built(ProfileRuntime.createEngine(plan, m), plan);
        });
        b.engine().resetCache();
        return b;
    }

    @AfterAll
    static void closeEngines() {
        ENGINES.values().forEach(b -> b.engine().close());
        ENGINES.clear();
    }

    @TestFactory
    List<DynamicTest> everyGreedyCaseWithTheKvCache() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            for (String name : Golden.MODELS) {
                tests.add(DynamicTest.dynamicTest(layout + "/" + name, () -> {
                    Engine engine = engine(name, layout).engine();
                    assertContains(engine.describe(), TestEngines.device().toString(),
                            "routed experts in host memory: host (2 threads)");
                    long before = engine.stats().handoffBytes();
                    int cases = 0;
                    for (JsonNode c : Golden.of(name).generateCases()) {
                        if (c.get("sampler").asText().equals("greedy")) {
                            engine.resetCache();
                            GoldenAssertions.generateMatches(c, TornadoGoldenGenerateTest.generate(engine, c, true));
                            cases++;
                        }
                    }
                    assertTrue(cases > 0, "greedy cases of " + name);
                    assertTrue(engine.stats().handoffBytes() > before, "host experts exchanged data");
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> logitsAndHandoffBytes() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            for (String name : Golden.MODELS) {
                for (String variant : GoldenAssertions.VARIANTS) {
                    tests.add(DynamicTest.dynamicTest(layout + "/" + name + "/" + variant,
                            () -> logitsAndHandoff(name, layout, variant)));
                }
            }
        }
        return tests;
    }

    private static void logitsAndHandoff(String name, Layout layout, String variant) {
        Built b = engine(name, layout);
        LLaDA2Config c = b.engine().config();
        ExpertTraffic.Compared r = ExpertTraffic.compare(b.engine(), name, variant);
        for (int i = 0; i < r.tokens(); i++) {
            GoldenAssertions.hidden(layout + " " + name + " " + variant + " row " + i, r.want().logits()[i],
                    r.got().logits()[i], true);
        }

        int t = r.tokens();
        int k = c.numExpertsPerTok();
        int host = 1;
        long expected = 0;
        int offloaded = 0;
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            int[] placed = b.plan().placement().expertDevice()[l];
            if (placed.length == 0 || IntStream.of(placed).noneMatch(d -> d == host)) {
                continue;
            }
            offloaded++;
            ExpertTraffic x = ExpertTraffic.of(r.trace(), l, placed, host, t, k);
            expected += 8L * t * k + 4L * c.hiddenSize() * (x.tokens() + x.slots());
        }
        int moeLayers = c.numHiddenLayers() - c.firstKDenseReplace();
        assertEquals(layout == Layout.FIRST_MOE_LAYER ? 1 : moeLayers, offloaded, "offloaded MoE layers");
        assertTrue(expected > 0);
        assertEquals(expected, r.handoff(), "hand-off bytes: 8 T k + 4 H (U + S) per offloaded layer");
    }
}
