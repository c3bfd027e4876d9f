package dev.llada2.tornado;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Every forward case of {@code ../shared/golden/tiny} and {@code small}, both attention variants, on
 * the TornadoVM engine within {@code TOLERANCES.json} (fp32): logits (max and mean), embeddings,
 * layer_out, attn_out, mlp_out, final_hidden as hidden states, router ids exact and in order,
 * router weights within 1e-5, router logits as hidden states.
 * Run alone: {@code POCL_DEVICES="pthread pthread" mvn $LLADA2_MVN_TORNADO test -pl tornado-tasks
 * -Dtest=TornadoGoldenForwardTest}.
 */
class TornadoGoldenForwardTest {

    @TestFactory
    List<DynamicTest> forwardCasesMatchGolden() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : Golden.MODELS) {
            Golden g = Golden.of(model);
            for (JsonNode c : g.forwardCases()) {
                for (String variant : GoldenAssertions.VARIANTS) {
                    tests.add(DynamicTest.dynamicTest(model + "/" + c.get("id").asText() + "/" + variant,
                            () -> GoldenAssertions.forwardMatches(TestEngines.engine(g.name()), g, c, variant)));
                }
            }
        }
        return tests;
    }
}
