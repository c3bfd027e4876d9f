package dev.llada2.profiles;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.llada2.backend.Backends;
import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.checkpoint.SafetensorsFile;
import dev.llada2.checkpoint.TensorInfo;
import dev.llada2.checkpoint.TensorReader;
import dev.llada2.errors.LladaException;
import dev.llada2.profiles.fit.Plan;
import dev.llada2.profiles.fit.PlanOptions;
import dev.llada2.profiles.fit.Planner;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.testing.SharedData;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Engines built from the two-CPU bundled profiles compute exactly what one device computes: for
 * every golden forward case of {@code ../shared/golden/{tiny,small}} (block_causal variant), the
 * logits are bit-identical to the single-device {@link CpuEngine}, within the golden tolerance of the
 * official model, and activations really crossed devices ({@code handoffBytes > 0}).
 *
 * <p>The CPU engine's last bits depend on the JIT state (C2's Vector API reductions add lanes in
 * another order than the interpreter and C1), so each comparison is bracketed by two single-device
 * runs that must agree with each other: the placement is compared under one JIT state, not the
 * compiler's progress.
 * Run alone: {@code mvn -q test -pl hardware-profiles -Dtest=MultiDeviceForwardTest}.
 */
class MultiDeviceForwardTest {

    static final List<String> MODELS = List.of("tiny", "small");
    static final List<String> PROFILES = List.of("cpu2-layer-split", "cpu2-expert-parallel", "cpu2-expert-offload",
            "cpu2-rules");
    /** The golden block mask uses 32-token blocks (golden README). */
    static final int GOLDEN_BLOCK = 32;

    @TestFactory
    List<DynamicTest> twoCpuProfilesMatchOneDeviceBitForBit() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : MODELS) {
            Path golden = SharedData.golden(model);
            JsonNode manifest = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build()
                    .readTree(golden.resolve("manifest.json").toFile());
            for (String profile : PROFILES) {
                tests.add(DynamicTest.dynamicTest(profile + " / " + model,
                        () -> check(model, profile, manifest.get("forward_cases"), golden)));
            }
        }
        return tests;
    }

    private static void check(String model, String profile, JsonNode cases, Path golden) {
        try (Arena arena = Arena.ofConfined(); LoadedModel m = LoadedModel.open(SharedData.model(model))) {
            Map<String, TensorInfo> reference = SafetensorsFile.open(golden.resolve("forward.safetensors"), arena)
                    .tensors();
            Plan plan = Planner.plan(m.config(), BundledProfiles.load(profile), PlanOptions.defaults());
            try (Engine single = CpuEngine.singleDevice(m.weights());
                 Engine split = ProfileRuntime.createEngine(plan, m)) {
                for (JsonNode c : cases) {
                    String id = c.get("id").asText();
                    int[] ids = IntStream.range(0, c.get("input_ids").size())
                            .map(i -> c.get("input_ids").get(i).asInt()).toArray();
                    float[][] got = compareUnderOneJitState(single, split, ids, profile + " " + model + " " + id);
                    assertNearGolden(TensorReader.toFloats(reference.get(id + ".block_causal.logits")), got,
                            model + " " + id);
                }
                assertEquals(0, single.stats().handoffBytes());
                assertTrue(split.stats().handoffBytes() > 0, profile + " moved nothing between devices");
            }
        }
    }

    /**
     * Single, split, single again, until the two single-device runs agree bit for bit; then the split
     * run must equal them.
     */
    private static float[][] compareUnderOneJitState(Engine single, Engine split, int[] ids, String what) {
        for (int attempt = 0; attempt < 20; attempt++) {
            float[][] before = logits(single, ids);
            float[][] got = logits(split, ids);
            float[][] after = logits(single, ids);
            if (java.util.Arrays.deepEquals(before, after)) {
                for (int row = 0; row < ids.length; row++) {
                    assertArrayEquals(before[row], got[row], what + " row " + row);
                }
                return got;
            }
        }
        throw new AssertionError(what + ": the single-device engine never gave the same logits twice in a row");
    }

    private static float[][] logits(Engine engine, int[] ids) {
        int[] rows = IntStream.range(0, ids.length).toArray();
        return engine.forward(new ForwardRequest(ids, 0, new AttentionMask.BlockCausal(GOLDEN_BLOCK), false,
                new HeadRequest.Logits(rows), TraceSink.NONE)).logits();
    }

    /** ../shared/golden/TOLERANCES.json for logits: max |d| <= 1e-4 x max(1, max |ref|). */
    private static void assertNearGolden(float[] ref, float[][] got, String what) {
        int vocab = got[0].length;
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < ref.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i / vocab][i % vocab]));
        }
        assertEquals(ref.length, got.length * vocab, what);
        assertTrue(maxDiff <= 1e-4 * Math.max(1, maxRef), what + ": max |d| " + maxDiff);
    }

    @Test
    void tornadoProfilesPlanButNeedTheTornadoBackendToRun() {
        try (LoadedModel m = LoadedModel.open(SharedData.model("tiny"))) {
            Plan plan = Planner.plan(m.config(), BundledProfiles.load("pocl2-layer-split"), PlanOptions.defaults());
            assertTrue(plan.fits());
            LladaException e = assertThrows(LladaException.class, () -> ProfileRuntime.createEngine(plan, m));
            assertEquals(LladaException.Kind.RUNTIME, e.kind());
            assertTrue(e.getMessage().contains("uses TornadoVM devices pocl0 (tornado:0:0), pocl1 (tornado:0:1):"
                    + " " + Backends.TORNADO_HELP), e.getMessage());
            assertTrue(e.getMessage().contains("TORNADOVM_HOME"), e.getMessage());
        }
    }

    @Test
    void aPlanForAnotherModelShapeIsRefused() {
        try (LoadedModel m = LoadedModel.open(SharedData.model("tiny"))) {
            Plan plan = Planner.plan(dev.llada2.config.ConfigPresets.load("mini"), BundledProfiles.load("cpu"),
                    PlanOptions.defaults());
            LladaException e = assertThrows(LladaException.class, () -> ProfileRuntime.createEngine(plan, m));
            assertEquals(LladaException.Kind.INPUT, e.kind());
            assertTrue(e.getMessage().contains("the plan was made for preset mini (20 layers"), e.getMessage());
        }
    }

    @Test
    void deviceThreadsComeFromThePlan() {
        String json = "{\"name\": \"t\", \"devices\": [{\"id\": \"a\", \"backend\": \"cpu\", \"threads\": 1},"
                + " {\"id\": \"b\", \"backend\": \"cpu\", \"threads\": 3}], \"placement\": {\"head\": \"b\"}}";
        try (LoadedModel m = LoadedModel.open(SharedData.model("tiny"));
             Engine e = ProfileRuntime.createEngine(Planner.plan(m.config(), ProfileLoader.parse(json, "t.json"),
                     PlanOptions.defaults()), m)) {
            assertEquals("cpu engine on 2 devices [a (1 threads), b (3 threads)]", e.describe());
        }
    }
}
