package dev.llada2.profiles.fit;

import dev.llada2.config.ConfigPresets;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;
import dev.llada2.profiles.HardwareProfile;
import dev.llada2.profiles.ProfileLoader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every way a profile can be wrong gives an input error (exit code 3) that names the file, the JSON
 * path, what was expected and what was found: at load time for model-independent mistakes, at plan
 * time for those that depend on the model's layer and expert counts.
 * Run alone: {@code mvn -q test -pl hardware-profiles -Dtest=MalformedProfileTest}.
 */
class MalformedProfileTest {

    private static final String SOURCE = "test.json";
    private static final String TWO_CPUS = "\"devices\": [{\"id\": \"cpu0\", \"backend\": \"cpu\"},"
            + " {\"id\": \"cpu1\", \"backend\": \"cpu\"}]";

    /** A two-CPU profile with {@code placement} as its placement object body. */
    private static String withPlacement(String placement) {
        return "{\"name\": \"t\", " + TWO_CPUS + ", \"placement\": {" + placement + "}}";
    }

    private static LladaException loadError(String json) {
        LladaException e = assertThrows(LladaException.class, () -> ProfileLoader.parse(json, SOURCE));
        assertEquals(LladaException.Kind.INPUT, e.kind());
        assertTrue(e.getMessage().startsWith(SOURCE + ": "), e.getMessage());
        return e;
    }

    private static LladaException planError(String json, String model) {
        HardwareProfile profile = ProfileLoader.parse(json, SOURCE);
        LLaDA2Config config = ConfigPresets.load(model);
        LladaException e = assertThrows(LladaException.class,
                () -> Planner.plan(config, profile, PlanOptions.defaults()));
        assertEquals(LladaException.Kind.INPUT, e.kind());
        assertTrue(e.getMessage().startsWith(SOURCE + ": "), e.getMessage());
        return e;
    }

    private static void assertContains(LladaException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "expected \"" + p + "\" in: " + e.getMessage());
        }
    }

    @Test
    void malformedJson() {
        assertContains(loadError("{\"name\": \"t\", \"devices\": [}"), "malformed JSON", "line 1");
    }

    @Test
    void duplicateJsonKey() {
        assertContains(loadError("{\"name\": \"t\", \"name\": \"u\", " + TWO_CPUS + "}"), "malformed JSON", "name");
    }

    @Test
    void unknownKeyNamesItsPathAndTheClosestKey() {
        LladaException e = loadError("{\"name\": \"t\", \"devices\": [{\"id\": \"cpu0\", \"backend\": \"cpu\","
                + " \"memroy_gb\": 8}]}");
        assertContains(e, "$.devices[0].memroy_gb", "unknown key", "did you mean \"memory_gb\"");
    }

    @Test
    void unknownPlacementKey() {
        assertContains(loadError(withPlacement("\"layer\": []")), "$.placement.layer", "did you mean \"layers\"");
    }

    @Test
    void duplicateDeviceId() {
        LladaException e = loadError("{\"name\": \"t\", \"devices\": [{\"id\": \"cpu0\", \"backend\": \"cpu\"},"
                + " {\"id\": \"cpu0\", \"backend\": \"cpu\"}]}");
        assertContains(e, "$.devices[1].id", "duplicate device id \"cpu0\"", "$.devices[0].id");
    }

    @Test
    void unknownDevice() {
        LladaException e = loadError(withPlacement("\"layers\": [{\"device\": \"cpu0\", \"count\": 1},"
                + " {\"device\": \"gpu9\", \"rest\": true}]"));
        assertContains(e, "$.placement.layers[1].device", "unknown device \"gpu9\"", "cpu0, cpu1");
    }

    @Test
    void unknownDeviceInARule() {
        assertContains(loadError(withPlacement("\"rules\": [{\"pattern\": \"lm_head.weight\", \"device\": \"cpu2\"}]")),
                "$.placement.rules[0].device", "unknown device \"cpu2\"");
    }

    @Test
    void badSelector() {
        LladaException e = loadError("{\"name\": \"t\", \"devices\": [{\"id\": \"gpu0\", \"backend\": \"tornado\","
                + " \"selector\": \"tornado:0\", \"memory_gb\": 8}]}");
        assertContains(e, "$.devices[0].selector", "device \"tornado:0\" is not valid: write cpu or tornado:B:D");
    }

    @Test
    void selectorOfTheWrongBackend() {
        LladaException e = loadError("{\"name\": \"t\", \"devices\": [{\"id\": \"gpu0\", \"backend\": \"cpu\","
                + " \"selector\": \"tornado:0:0\"}]}");
        assertContains(e, "$.devices[0].selector", "is a tornado device but backend is \"cpu\"");
    }

    @Test
    void cpuSelectorOnATornadoDevice() {
        LladaException e = loadError("{\"name\": \"t\", \"devices\": [{\"id\": \"gpu0\", \"backend\": \"tornado\","
                + " \"selector\": \"cpu\", \"memory_gb\": 8}]}");
        assertContains(e, "$.devices[0].selector", "\"cpu\" is a cpu device but backend is \"tornado\"");
    }

    @Test
    void badBackend() {
        assertContains(loadError("{\"name\": \"t\", \"devices\": [{\"id\": \"g\", \"backend\": \"cuda\"}]}"),
                "$.devices[0].backend", "expected \"cpu\" or \"tornado\", found \"cuda\"");
    }

    @Test
    void tornadoDeviceNeedsAMemoryBudget() {
        assertContains(loadError("{\"name\": \"t\", \"devices\": [{\"id\": \"g\", \"backend\": \"tornado\","
                + " \"selector\": \"tornado:0:0\"}]}"), "$.devices[0].memory_gb", "required for tornado devices");
    }

    @Test
    void threadsOnATornadoDevice() {
        assertContains(loadError("{\"name\": \"t\", \"devices\": [{\"id\": \"g\", \"backend\": \"tornado\","
                + " \"selector\": \"tornado:0:0\", \"memory_gb\": 8, \"threads\": 4}]}"),
                "$.devices[0].threads", "cpu devices only");
    }

    @Test
    void wrongValueType() {
        assertContains(loadError("{\"name\": \"t\", \"devices\": [{\"id\": \"c\", \"backend\": \"cpu\","
                + " \"memory_gb\": \"lots\"}]}"), "$.devices[0].memory_gb", "expected a number", "\"lots\"");
    }

    @Test
    void missingDevices() {
        assertContains(loadError("{\"name\": \"t\"}"), "$.devices", "required");
    }

    @Test
    void overlappingLayerRanges() {
        LladaException e = loadError(withPlacement("\"layers\": [{\"device\": \"cpu0\", \"range\": \"0-10\"},"
                + " {\"device\": \"cpu1\", \"range\": \"10-19\"}]"));
        assertContains(e, "$.placement.layers[1].range", "overlap", "$.placement.layers[0]", "at layer 10");
    }

    @Test
    void missingLayersWithRanges() {
        LladaException e = planError(withPlacement("\"layers\": [{\"device\": \"cpu0\", \"range\": \"0-9\"},"
                + " {\"device\": \"cpu1\", \"range\": \"12-19\"}]"), "mini");
        assertContains(e, "$.placement.layers", "layers [10-11]", "not placed");
    }

    @Test
    void missingLayersWithCounts() {
        LladaException e = planError(withPlacement("\"layers\": [{\"device\": \"cpu0\", \"count\": 8},"
                + " {\"device\": \"cpu1\", \"count\": 8}]"), "mini");
        assertContains(e, "$.placement.layers", "layers [16-19]", "\"rest\": true");
    }

    @Test
    void countsBeyondTheModel() {
        LladaException e = planError(withPlacement("\"layers\": [{\"device\": \"cpu0\", \"count\": 2},"
                + " {\"device\": \"cpu1\", \"count\": 2}]"), "tiny");
        assertContains(e, "$.placement.layers[1]", "take 4 layers", "has 3");
    }

    @Test
    void rangePastTheLastLayer() {
        LladaException e = planError(withPlacement("\"layers\": [{\"device\": \"cpu0\", \"range\": \"0-1\"},"
                + " {\"device\": \"cpu1\", \"range\": \"2-5\"}]"), "tiny");
        assertContains(e, "$.placement.layers[1].range", "past the last layer (2)");
    }

    @Test
    void fractionsNotSummingToOne() {
        LladaException e = loadError(withPlacement("\"layers\": [{\"device\": \"cpu0\", \"fraction\": 0.5},"
                + " {\"device\": \"cpu1\", \"fraction\": 0.4}]"));
        assertContains(e, "$.placement.layers", "sum to 0.9", "expected 1");
    }

    @Test
    void fractionsAboveOne() {
        LladaException e = loadError(withPlacement("\"layers\": [{\"device\": \"cpu0\", \"fraction\": 0.7},"
                + " {\"device\": \"cpu1\", \"fraction\": 0.7}]"));
        assertContains(e, "sum to 1.4", "at most 1");
    }

    @Test
    void fractionOutOfRange() {
        assertContains(loadError(withPlacement("\"layers\": [{\"device\": \"cpu0\", \"fraction\": 1.5}]")),
                "$.placement.layers[0].fraction", "(0, 1]", "1.5");
    }

    @Test
    void restOnlyLast() {
        LladaException e = loadError(withPlacement("\"layers\": [{\"device\": \"cpu0\", \"rest\": true},"
                + " {\"device\": \"cpu1\", \"count\": 1}]"));
        assertContains(e, "$.placement.layers[0]", "last entry only");
    }

    @Test
    void rangesMixedWithCounts() {
        assertContains(loadError(withPlacement("\"layers\": [{\"device\": \"cpu0\", \"range\": \"0-1\"},"
                + " {\"device\": \"cpu1\", \"rest\": true}]")), "$.placement.layers[1]", "cannot mix \"range\"");
    }

    @Test
    void layerEntryWithTwoAmounts() {
        assertContains(loadError(withPlacement("\"layers\": [{\"device\": \"cpu0\", \"count\": 1, \"fraction\": 0.5}]")),
                "$.placement.layers[0]", "exactly one of count, fraction, range, rest", "count and fraction");
    }

    @Test
    void badRangeSyntax() {
        assertContains(loadError(withPlacement("\"layers\": [{\"device\": \"cpu0\", \"range\": \"0..3\"}]")),
                "$.placement.layers[0].range", "\"a-b\"", "\"0..3\"");
    }

    @Test
    void ruleMatchingNothing() {
        LladaException e = planError(withPlacement("\"rules\": [{\"pattern\": \"model.layers.40.*\","
                + " \"device\": \"cpu1\"}]"), "mini");
        assertContains(e, "$.placement.rules[0].pattern", "\"model.layers.40.*\" matches no tensor", "20 layers");
    }

    @Test
    void ruleSplittingALayerHome() {
        LladaException e = planError(withPlacement("\"rules\": [{\"pattern\": \"model.layers.1.attention.*\","
                + " \"device\": \"cpu1\"}]"), "tiny");
        assertContains(e, "$.placement.rules[0]", "model.layers.1.attention", "on cpu1", "is on cpu0",
                "layer 1's home", "must be on one device");
    }

    @Test
    void ruleSplittingTheHead() {
        LladaException e = planError(withPlacement("\"rules\": [{\"pattern\": \"lm_head.weight\", \"device\": \"cpu1\"}]"),
                "tiny");
        assertContains(e, "$.placement.rules[0]", "lm_head.weight", "model.norm.weight", "the head");
    }

    @Test
    void ruleSplittingAnExpert() {
        LladaException e = planError(withPlacement("\"rules\": [{\"pattern\": \"*.experts.3.up_proj.weight\","
                + " \"device\": \"cpu1\"}]"), "tiny");
        assertContains(e, "routed expert 3 of layer 1", "must be on one device");
    }

    @Test
    void expertRangePastTheModel() {
        LladaException e = planError(withPlacement("\"experts\": {\"ranges\": [{\"device\": \"cpu1\","
                + " \"experts\": \"8-31\"}]}"), "tiny");
        assertContains(e, "$.placement.experts.ranges[0].experts", "past the last expert (15)");
    }

    @Test
    void offloadOfADenseLayer() {
        LladaException e = planError(withPlacement("\"expert_offload\": {\"device\": \"cpu1\", \"layers\": \"0-1\"}"),
                "tiny");
        assertContains(e, "$.placement.expert_offload.layers", "layer 0 is a dense layer", "MoE layers are 1-2");
    }

    @Test
    void offloadOfMoreMoeLayersThanExist() {
        LladaException e = planError(withPlacement("\"expert_offload\": {\"device\": \"cpu1\","
                + " \"first_moe_layers\": 5}"), "tiny");
        assertContains(e, "$.placement.expert_offload.first_moe_layers", "has 2");
    }
}
