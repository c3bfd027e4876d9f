package dev.llada2.tornado;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.backend.DeviceAssignment;
import dev.llada2.backend.DeviceId;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.golden.GoldenChecks;
import dev.llada2.profiles.BundledProfiles;
import dev.llada2.profiles.HardwareProfile;
import dev.llada2.profiles.ProfileLoader;
import dev.llada2.profiles.ProfileRuntime;
import dev.llada2.profiles.fit.Plan;
import dev.llada2.profiles.fit.PlanOptions;
import dev.llada2.profiles.fit.Planner;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.EngineStats;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.runtime.Placement;
import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import dev.llada2.trace.ForwardTrace;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import static dev.llada2.testing.Messages.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Expert parallelism over two TornadoVM devices (two PoCL devices here): every MoE layer's home (norms,
 * attention, KV cache, router, shared expert) on the first, its routed experts split between both. (a)
 * The bundled {@code pocl2-expert-parallel} profile (halves) reproduces every greedy golden case and every
 * joint-threshold (edit) case of tiny and small exactly, with the KV cache and without. (b) For the
 * halves, an uneven split (5 / 11 experts) and a name-pattern rule that sends experts 1 and 10-15 to the
 * second device (scattered ids, several ranges on each device), the logits are bit-identical to the
 * single-device engine's (both masks) and the hand-off bytes are exactly {@code 8 T k + 4 H (U + S)} for
 * the home plus {@code 8 U k + 4 H (U + S)} for the peer per MoE layer. (c) A forward in which no token
 * chose one of the peer's experts runs no peer graph and moves nothing to the peer. Engines are created
 * once per model and layout (JIT on PoCL is slow) and shared.
 */
class TornadoExpertParallelTest {

    /** How the routed experts are split between the two devices. */
    enum Split {
        /** The bundled profile: experts {@code [0, E/2)} on pocl0, {@code [E/2, E)} on pocl1. */
        HALVES(null),
        /** Experts 0-4 (and 16 on past the range) on the home, 5-15 on the peer. */
        UNEVEN_5_11("\"experts\": {\"ranges\": [{\"device\": \"pocl1\", \"experts\": \"5-15\"}]}"),
        /** Rules: experts 1 and 10-15 on the peer (ids matching {@code 1*}). */
        RULES("\"rules\": [{\"pattern\": \"model.layers.*.mlp.experts.1*\", \"device\": \"pocl1\"}]");

        final String placement;

        Split(String placement) {
            this.placement = placement;
        }

        /** How many of {@code experts} routed experts the split puts on the peer. */
        long peerExperts(int experts) {
            return switch (this) {
                case HALVES -> experts - experts / 2;
                case UNEVEN_5_11 -> 11;
                case RULES -> IntStream.range(0, experts).filter(e -> Integer.toString(e).startsWith("1")).count();
            };
        }

        HardwareProfile profile() {
            if (placement == null) {
                return BundledProfiles.load("pocl2-expert-parallel");
            }
            return ProfileLoader.parse("""
                    {"name": "pocl2-%s", "devices": [
                      {"id": "pocl0", "backend": "tornado", "selector": "tornado:0:0", "memory_gb": 4},
                      {"id": "pocl1", "backend": "tornado", "selector": "tornado:0:1", "memory_gb": 4}],
                     "placement": {"home": "pocl0", %s}}""".formatted(name(), placement), "test profile " + name());
        }
    }

    private record Built(Engine engine, Plan plan) {
    }

    private static final Map<String, Built> ENGINES = new HashMap<>();

    private static Built engine(String model, Split split) {
        return engine(model, split.toString(), split::profile);
    }

    /** The engine of {@code model} placed by {@code profile}, built once per model and layout name. */
    private static synchronized Built engine(String model, String layout, Supplier<HardwareProfile> profile) {
        Built b = ENGINES.computeIfAbsent(model + "/" + layout, k -> {
            LoadedModel m = TestEngines.model(model);
            Plan plan = Planner.plan(m.config(), profile.get(), PlanOptions.defaults());
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
    List<DynamicTest> bundledProfileReproducesEveryGreedyAndEditCase() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Golden.MODELS) {
            for (boolean cache : new boolean[] {true, false}) {
                String mode = cache ? "kv-cache" : "no-cache";
                tests.add(DynamicTest.dynamicTest("pocl2-expert-parallel/" + name + "/" + mode, () -> {
                    Engine engine = engine(name, Split.HALVES).engine();
                    assertContains(engine.describe(), "tornado:0:0",
                            "routed experts on other TornadoVM devices (expert parallelism): tornado:0:1");
                    long before = engine.stats().handoffBytes();
                    int cases = 0;
                    for (JsonNode c : Golden.of(name).generateCases()) {
                        if (c.get("sampler").asText().equals("greedy")) {
                            engine.resetCache();
                            GoldenAssertions.generateMatches(c, TornadoGoldenGenerateTest.generate(engine, c, cache));
                            cases++;
                        }
                    }
                    for (JsonNode c : Golden.of(name).editCases()) {
                        engine.resetCache();
                        GoldenAssertions.editMatches(c, GoldenChecks.run(engine, c,
                                GoldenAssertions.editOptions(c, cache)));
                        cases++;
                    }
                    assertTrue(cases > 0, "golden cases of " + name);
                    assertTrue(engine.stats().handoffBytes() > before, "rows crossed to the peer device");
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> logitsAreBitIdenticalToOneDeviceAndTheBytesAreCounted() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Split split : Split.values()) {
            for (String name : Golden.MODELS) {
                for (String variant : GoldenAssertions.VARIANTS) {
                    tests.add(DynamicTest.dynamicTest(split + "/" + name + "/" + variant,
                            () -> logitsAndHandoff(name, split, variant)));
                }
            }
        }
        return tests;
    }

    private static void logitsAndHandoff(String name, Split split, String variant) {
        Built b = engine(name, split);
        LLaDA2Config c = b.engine().config();
        ExpertTraffic.Compared r = ExpertTraffic.compare(b.engine(), name, variant);
        for (int i = 0; i < r.tokens(); i++) {
            assertArrayEquals(r.want().logits()[i], r.got().logits()[i], split + " " + name + " " + variant + " row "
                    + i);
        }

        int t = r.tokens();
        int k = c.numExpertsPerTok();
        int h = c.hiddenSize();
        int peer = 1;
        long expected = 0;
        int parallel = 0;
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            int[] placed = b.plan().placement().expertDevice()[l];
            if (placed.length == 0) {
                continue;
            }
            assertEquals(split.peerExperts(c.numExperts()), IntStream.of(placed).filter(d -> d == peer).count(),
                    "experts of layer " + l + " on the peer");
            parallel++;
            ExpertTraffic x = ExpertTraffic.of(r.trace(), l, placed, peer, t, k);
            expected += 8L * t * k + 4L * h * (x.tokens() + x.slots()) + 8L * x.tokens() * k
                    + 4L * h * (x.tokens() + x.slots());
        }
        assertEquals(c.numHiddenLayers() - c.firstKDenseReplace(), parallel, "MoE layers with experts on the peer");
        assertEquals(expected, r.handoff(), "hand-off bytes: 8 T k + 4 H (U + S) home, 8 U k + 4 H (U + S) peer");
    }

    /**
     * The peer and a CPU device hold experts of the same layers (experts 8-15 on pocl1, 4-7 in host
     * memory, 0-3 on the home), so per MoE layer the peer's thread and the CPU device's workers compute
     * at the same time and write disjoint slots of one buffer: the logits equal the single device's within
     * the golden fp32 tolerance (the host experts are the CPU engine's code, which sums in another order
     * than the device kernels, as in {@code TornadoExpertOffloadTest}), and the hand-off is the home's {@code 8 T k + 4 H (U + S)} over every expert away from it plus the peer's
     * own {@code 8 U k + 4 H (U + S)}.
     */
    @TestFactory
    List<DynamicTest> aPeerAndACpuDeviceComputeTogether() {
        HardwareProfile profile = ProfileLoader.parse("""
                {"name": "pocl2-cpu-mixed", "devices": [
                  {"id": "pocl0", "backend": "tornado", "selector": "tornado:0:0", "memory_gb": 4},
                  {"id": "pocl1", "backend": "tornado", "selector": "tornado:0:1", "memory_gb": 4},
                  {"id": "host", "backend": "cpu", "threads": 2}],
                 "placement": {"home": "pocl0", "experts": {"ranges": [
                   {"device": "pocl1", "experts": "8-15"}, {"device": "host", "experts": "4-7"}]}}}""",
                "test profile pocl2-cpu-mixed");
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Golden.MODELS) {
            for (String variant : GoldenAssertions.VARIANTS) {
                tests.add(DynamicTest.dynamicTest("mixed/" + name + "/" + variant, () -> {
                    Built b = engine(name, "mixed", () -> profile);
                    assertContains(b.engine().describe(), "routed experts in host memory: host (2 threads)",
                            "routed experts on other TornadoVM devices (expert parallelism): tornado:0:1");
                    LLaDA2Config c = b.engine().config();
                    ExpertTraffic.Compared r = ExpertTraffic.compare(b.engine(), name, variant);
                    for (int i = 0; i < r.tokens(); i++) {
                        GoldenAssertions.hidden("mixed " + name + " " + variant + " row " + i, r.want().logits()[i],
                                r.got().logits()[i], true);
                    }
                    int t = r.tokens();
                    int k = c.numExpertsPerTok();
                    int h = c.hiddenSize();
                    long expected = 0;
                    for (int l = 0; l < c.numHiddenLayers(); l++) {
                        int[] placed = b.plan().placement().expertDevice()[l];
                        if (placed.length == 0) {
                            continue;
                        }
                        int[] offHome = IntStream.of(placed).map(d -> d == 0 ? 0 : 1).toArray();
                        assertEquals(4, IntStream.of(placed).filter(d -> d == 2).count(), "experts in host memory");
                        ExpertTraffic away = ExpertTraffic.of(r.trace(), l, offHome, 1, t, k);
                        ExpertTraffic peer = ExpertTraffic.of(r.trace(), l, placed, 1, t, k);
                        expected += 8L * t * k + 4L * h * (away.tokens() + away.slots()) + 8L * peer.tokens() * k
                                + 4L * h * (peer.tokens() + peer.slots());
                    }
                    assertEquals(expected, r.handoff(), "hand-off bytes: home over every expert away, peer its own");
                }));
            }
        }
        return tests;
    }

    /**
     * One token whose selected experts (from the single-device engine's trace) all stay on the home: the
     * peer holds only experts the token did not choose, in every MoE layer, so it runs nothing; the logits
     * are still the single device's.
     */
    @Test
    void aPeerThatNoTokenChoseRunsNothing() {
        LoadedModel m = TestEngines.model("tiny");
        LLaDA2Config c = m.config();
        int[] ids = {Golden.ints(Golden.of("tiny").forwardCases().get(1).get("input_ids"))[0]};
        ForwardTrace trace = new ForwardTrace();
        ForwardResult want = TestEngines.engine("tiny").forward(new ForwardRequest(ids, 0,
                new AttentionMask.BlockCausal(32), false, new HeadRequest.Logits(new int[] {0}), trace));
        int[][] experts = new int[c.numHiddenLayers()][];
        int moeLayers = 0;
        for (int l = 0; l < experts.length; l++) {
            experts[l] = new int[c.isMoeLayer(l) ? c.numExperts() : 0];
            if (c.isMoeLayer(l)) {
                moeLayers++;
                boolean[] chosen = new boolean[c.numExperts()];
                for (int e : trace.tensors().get("router.layer" + l + ".topk_idx").ints()) {
                    chosen[e] = true;
                }
                for (int e = 0; e < chosen.length; e++) {
                    experts[l][e] = chosen[e] ? 0 : 1;
                }
            }
        }
        Placement placement = new Placement(2, 0, 0, new int[c.numHiddenLayers()], experts);
        List<DeviceAssignment> devices = List.of(
                new DeviceAssignment(DeviceId.parse("tornado:0:0"), "pocl0", OptionalInt.empty()),
                new DeviceAssignment(DeviceId.parse("tornado:0:1"), "pocl1", OptionalInt.empty()));
        try (Engine engine = new TornadoBackendProvider().createEngine(m.weights(), devices, placement)) {
            EngineStats.Snapshot before = engine.stats().snapshot();
            ForwardResult got = engine.forward(new ForwardRequest(ids, 0, new AttentionMask.BlockCausal(32), false,
                    new HeadRequest.Logits(new int[] {0}), TraceSink.NONE));
            EngineStats.Snapshot moved = engine.stats().snapshot().minus(before);
            assertArrayEquals(want.logits()[0], got.logits()[0], "logits with an idle peer");
            assertEquals(8L * c.numExpertsPerTok() * moeLayers, moved.handoffBytes(),
                    "only the router's ids and weights left the home; no row crossed");
        }
    }
}
