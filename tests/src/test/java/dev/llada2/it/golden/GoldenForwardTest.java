package dev.llada2.it.golden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.runtime.Engine;
import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Every forward case of {@code ../shared/golden/tiny} and {@code small}, both attention variants,
 * on the CPU engine, within {@code ../shared/golden/TOLERANCES.json} (see
 * {@link GoldenAssertions#forwardMatches}). Run alone: {@code ./run-tests -pl tests -am
 * -Dtest=GoldenForwardTest}.
 */
class GoldenForwardTest {

    @TestFactory
    List<DynamicTest> forwardCasesMatchGolden() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : Golden.MODELS) {
            Golden g = Golden.of(model);
            for (JsonNode c : g.forwardCases()) {
                for (String variant : GoldenAssertions.VARIANTS) {
                    tests.add(DynamicTest.dynamicTest(model + "/" + c.get("id").asText() + "/" + variant, () -> {
                        try (LoadedModel m = LoadedModel.open(g.modelDir());
                             Engine engine = CpuEngine.singleDevice(m.weights())) {
                            GoldenAssertions.forwardMatches(engine, g, c, variant);
                        }
                    }));
                }
            }
        }
        return tests;
    }
}
