package dev.llada2.tornado;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.decode.DecodeResult;
import dev.llada2.golden.GoldenChecks;
import dev.llada2.runtime.Engine;
import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Every greedy generate case and every joint-threshold (edit) case of {@code ../shared/golden/tiny}
 * and {@code small} reproduced exactly on the TornadoVM engine (per step the block, step, committed
 * positions and tokens and path, for edits also the T2T positions with old and new tokens and the
 * action; the forward count; the returned ids; the final canvas), with the prefix KV cache on the
 * device and, as a second check, without it (whole windows, up to 128 tokens, in one pass).
 * Run alone: {@code POCL_DEVICES="pthread pthread" mvn $LLADA2_MVN_TORNADO test -pl tornado-tasks
 * -Dtest=TornadoGoldenGenerateTest}.
 */
class TornadoGoldenGenerateTest {

    @TestFactory
    List<DynamicTest> greedyCasesAreReproducedExactly() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Golden.MODELS) {
            for (JsonNode c : Golden.of(name).generateCases()) {
                if (!c.get("sampler").asText().equals("greedy")) {
                    continue;
                }
                for (boolean cache : new boolean[] {true, false}) {
                    tests.add(DynamicTest.dynamicTest(name + "/" + c.get("id").asText()
                            + (cache ? "/kv-cache" : "/no-cache"), () -> GoldenAssertions.generateMatches(c,
                            generate(TestEngines.engine(name), c, cache))));
                }
            }
        }
        return tests;
    }

    /**
     * Token editing: every row of the block that is not prompt goes through the device's greedy head
     * at every forward, and the block's tokens change under the cache between forwards.
     */
    @TestFactory
    List<DynamicTest> editCasesAreReproducedExactly() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : Golden.MODELS) {
            for (JsonNode c : Golden.of(name).editCases()) {
                for (boolean cache : new boolean[] {true, false}) {
                    tests.add(DynamicTest.dynamicTest(name + "/" + c.get("id").asText()
                            + (cache ? "/kv-cache" : "/no-cache"), () -> GoldenAssertions.editMatches(c,
                            GoldenChecks.run(TestEngines.engine(name), c, GoldenAssertions.editOptions(c, cache)))));
                }
            }
        }
        return tests;
    }

    static DecodeResult generate(Engine engine, JsonNode c, boolean cache) {
        return GoldenChecks.run(engine, c, GoldenAssertions.options(c, cache));
    }
}
