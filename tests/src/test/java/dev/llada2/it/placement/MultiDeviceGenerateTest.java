package dev.llada2.it.placement;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.decode.BlockDiffusionDecoder;
import dev.llada2.decode.DecodeListener;
import dev.llada2.decode.DecodeResult;
import dev.llada2.decode.EngineDenoiser;
import dev.llada2.profiles.ProfileLoader;
import dev.llada2.profiles.ProfileRuntime;
import dev.llada2.profiles.fit.PlanOptions;
import dev.llada2.profiles.fit.Planner;
import dev.llada2.runtime.Engine;
import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every greedy golden case and every joint-threshold (token editing) case of tiny and small under each
 * two-CPU-device strategy (layer split, expert parallel, CPU-expert offload, name-pattern rules), with
 * the KV cache: the traces equal the reference's exactly, and each run really handed work to the second
 * device.
 */
class MultiDeviceGenerateTest {

    static final List<String> PROFILES = List.of("cpu2-layer-split", "cpu2-expert-parallel", "cpu2-expert-offload",
            "cpu2-rules");

    @TestFactory
    List<DynamicTest> greedyGoldenCasesUnderEveryStrategy() {
        return underEveryStrategy("", (engine, g) -> {
            for (JsonNode c : g.generateCases()) {
                if (!c.get("sampler").asText().equals("greedy")) {
                    continue;
                }
                DecodeResult r = BlockDiffusionDecoder.of(new EngineDenoiser(engine, true),
                        GoldenAssertions.options(c, true)).generate(Golden.ints(c.get("prompt")), DecodeListener.NONE);
                GoldenAssertions.generateMatches(c, r);
            }
        });
    }

    /** Token editing: the block being decoded changes under the cache; every edit case is exact. */
    @TestFactory
    List<DynamicTest> editGoldenCasesUnderEveryStrategy() {
        return underEveryStrategy("/edit", (engine, g) -> {
            for (JsonNode c : g.editCases()) {
                DecodeResult r = BlockDiffusionDecoder.of(new EngineDenoiser(engine, true),
                        GoldenAssertions.editOptions(c, true)).generate(Golden.ints(c.get("prompt")), DecodeListener.NONE);
                GoldenAssertions.editMatches(c, r);
            }
        });
    }

    private List<DynamicTest> underEveryStrategy(String suffix, BiConsumer<Engine, Golden> check) {
        List<DynamicTest> tests = new ArrayList<>();
        for (String profile : PROFILES) {
            for (String name : Golden.MODELS) {
                Golden g = Golden.of(name);
                tests.add(DynamicTest.dynamicTest(profile + "/" + name + suffix, () -> {
                    LoadedModel model = g.model();
                    try (Engine engine = ProfileRuntime.createEngine(Planner.plan(model.config(),
                            ProfileLoader.load(profile), PlanOptions.defaults()), model)) {
                        check.accept(engine, g);
                        assertTrue(engine.stats().handoffBytes() > 0, profile + " moved nothing between devices");
                    }
                }));
            }
        }
        return tests;
    }
}
