package dev.llada2.tornado;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.decode.BlockDiffusionDecoder;
import dev.llada2.decode.DecodeListener;
import dev.llada2.decode.EngineDenoiser;
import dev.llada2.errors.LladaException;
import dev.llada2.profiles.ProfileLoader;
import dev.llada2.profiles.ProfileRuntime;
import dev.llada2.profiles.fit.PlanOptions;
import dev.llada2.profiles.fit.Planner;
import dev.llada2.runtime.Engine;
import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static dev.llada2.testing.Messages.assertContains;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled {@code pocl2-layer-split} profile end to end on two TornadoVM devices (two PoCL devices
 * here): planned, built through the backend SPI, and every greedy golden case and every joint-threshold
 * (edit) case of tiny and small reproduced exactly with the KV cache. Placements the TornadoVM engine cannot
 * run (a layer home on a CPU device, the embedding or head away from the first or last layer) are refused
 * with the reason; routed experts on CPU devices ({@code TornadoExpertOffloadTest}) and on other TornadoVM
 * devices ({@code TornadoExpertParallelTest}) run.
 */
class TornadoProfileTest {

    @TestFactory
    List<DynamicTest> twoDeviceProfileReproducesEveryGreedyAndEditCase() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Golden.MODELS) {
            tests.add(DynamicTest.dynamicTest("pocl2-layer-split/" + name, () -> {
                Golden g = Golden.of(name);
                LoadedModel model = TestEngines.model(name);
                try (Engine engine = ProfileRuntime.createEngine(Planner.plan(model.config(),
                        ProfileLoader.load("pocl2-layer-split"), PlanOptions.defaults()), model)) {
                    assertContains(engine.describe(), "tornado:0:0", "tornado:0:1");
                    for (JsonNode c : g.generateCases()) {
                        if (c.get("sampler").asText().equals("greedy")) {
                            GoldenAssertions.generateMatches(c, BlockDiffusionDecoder.of(
                                    new EngineDenoiser(engine, true), GoldenAssertions.options(c, true))
                                    .generate(Golden.ints(c.get("prompt")), DecodeListener.NONE));
                        }
                    }
                    for (JsonNode c : g.editCases()) {
                        GoldenAssertions.editMatches(c, BlockDiffusionDecoder.of(new EngineDenoiser(engine, true),
                                GoldenAssertions.editOptions(c, true)).generate(Golden.ints(c.get("prompt")),
                                DecodeListener.NONE));
                    }
                    assertTrue(engine.stats().handoffBytes() > 0, "the residual stream crossed between the devices");
                }
            }));
        }
        return tests;
    }

    @Test
    void aLayerHomeOnACpuDeviceIsRefusedWithTheReason() {
        assertRefused(gpuAndHost("""
                {"home": "gpu", "head": "gpu",
                 "layers": [{"device": "gpu", "count": 2}, {"device": "host", "rest": true}]}"""),
                "layer 2's home (norms, attention, KV cache, router, shared expert) is placed on host (cpu),",
                "a CPU device",
                "only routed experts may live on CPU devices");
    }

    @Test
    void anEmbeddingAwayFromTheFirstLayerIsRefusedWithTheReason() {
        assertRefused("""
                {"name": "embedding-elsewhere", "devices": [
                  {"id": "a", "backend": "tornado", "selector": "tornado:0:0", "memory_gb": 4},
                  {"id": "b", "backend": "tornado", "selector": "tornado:0:1", "memory_gb": 4}],
                 "placement": {"home": "a", "embedding": "b"}}""",
                "the TornadoVM pipeline keeps the embedding with the first layer and the LM head with the last",
                "puts them on b (tornado:0:1) and a (tornado:0:0)");
    }

    /** A profile with a TornadoVM device {@code gpu} and a CPU device {@code host}, placed as given. */
    private static String gpuAndHost(String placement) {
        return """
                {"name": "gpu-and-host", "devices": [
                  {"id": "gpu", "backend": "tornado", "selector": "tornado:0:0", "memory_gb": 4},
                  {"id": "host", "backend": "cpu"}],
                 "placement": %s}""".formatted(placement);
    }

    private static void assertRefused(String profile, String... parts) {
        LoadedModel model = TestEngines.model("tiny");
        LladaException e = assertThrows(LladaException.class, () -> ProfileRuntime.createEngine(Planner.plan(
                model.config(), ProfileLoader.parse(profile, "test profile"), PlanOptions.defaults()), model));
        assertContains(e.getMessage(), parts);
    }
}
