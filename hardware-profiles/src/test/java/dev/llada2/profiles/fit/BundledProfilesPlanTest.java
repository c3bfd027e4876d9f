package dev.llada2.profiles.fit;

import dev.llada2.config.ConfigLoader;
import dev.llada2.config.ConfigPresets;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.profiles.BundledProfiles;
import dev.llada2.profiles.HardwareProfile;
import dev.llada2.profiles.ProfileLoader;
import dev.llada2.runtime.Placement;
import dev.llada2.testing.SharedData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bundled profile loads and plans for the test models (tiny, small) and the real shapes
 * (mini, flash); a plan accounts for every byte exactly once; the cpu2-* profiles move real work to
 * their second device for every model. Run alone:
 * {@code mvn -q test -pl hardware-profiles -Dtest=BundledProfilesPlanTest}.
 */
class BundledProfilesPlanTest {

    static Map<String, LLaDA2Config> models() {
        Map<String, LLaDA2Config> m = new LinkedHashMap<>();
        m.put("tiny", ConfigLoader.load(SharedData.model("tiny")));
        m.put("small", ConfigLoader.load(SharedData.model("small")));
        m.put("mini", ConfigPresets.load("mini"));
        m.put("flash", ConfigPresets.load("flash"));
        return m;
    }

    @Test
    void everyBundledProfileLoadsUnderItsName() {
        for (String name : BundledProfiles.names()) {
            HardwareProfile p = ProfileLoader.load(name);
            assertEquals(name, p.name());
            assertEquals("bundled profile " + name, p.source());
            assertTrue(!p.description().isBlank(), name);
        }
    }

    @TestFactory
    List<DynamicTest> everyBundledProfilePlansForEveryModel() {
        List<DynamicTest> tests = new ArrayList<>();
        models().forEach((model, config) -> {
            Plan single = Planner.plan(config, BundledProfiles.load("cpu"), PlanOptions.defaults(),
                    WeightDtypes.fromConfig(config), PlannerTotalsTest.HOST);
            for (String name : BundledProfiles.names()) {
                tests.add(DynamicTest.dynamicTest(name + " / " + model, () -> {
                    Plan plan = Planner.plan(config, BundledProfiles.load(name), PlanOptions.defaults(),
                            WeightDtypes.fromConfig(config), PlannerTotalsTest.HOST);
                    assertEquals(plan.profile().devices().size(), plan.placement().deviceCount());
                    // the same bytes as on one device, only distributed
                    assertEquals(single.totalWeightBytes(), plan.totalWeightBytes());
                    assertEquals(single.totalKvBytes(), plan.totalKvBytes());
                    assertEquals(plan.fits(), plan.suggestions().isEmpty());
                    assertTrue(PlanReport.render(plan).contains(plan.profile().name()));
                    if (name.startsWith("cpu2-")) {
                        assertMovesWork(plan);
                    }
                }));
            }
        });
        return tests;
    }

    /** The second device holds a whole layer home, or routed experts, or the head. */
    private static void assertMovesWork(Plan plan) {
        Placement p = plan.placement();
        boolean layer = java.util.Arrays.stream(p.layerDevice()).anyMatch(d -> d == 1);
        boolean experts = java.util.Arrays.stream(p.expertDevice()).flatMapToInt(java.util.Arrays::stream)
                .anyMatch(d -> d == 1);
        assertTrue(layer || experts || p.headDevice() == 1, plan.profile().name() + " left cpu1 idle");
        assertTrue(plan.devices().get(1).weightBytes() > 0);
    }

    @Test
    void theGpuProfilesFitTheModelsTheyAreNamedFor() {
        LLaDA2Config mini = ConfigPresets.load("mini");
        LLaDA2Config flash = ConfigPresets.load("flash");
        assertTrue(plan(mini, "gpu1x80-mini").fits());
        assertTrue(plan(flash, "gpu4x80-flash").fits());
        assertTrue(plan(mini, "gpu8x24").fits());
        assertTrue(!plan(flash, "gpu8x24").fits());
        assertTrue(plan(flash, "gpu1-cpu-experts").fits());
        assertTrue(plan(mini, "gpu1-cpu-experts").devices().get(0).totalBytes() < 3e9,
                "only attention, shared experts, routers, embedding and head on the GPU");
    }

    private static Plan plan(LLaDA2Config c, String profile) {
        return Planner.plan(c, BundledProfiles.load(profile), PlanOptions.defaults(), WeightDtypes.fromConfig(c),
                PlannerTotalsTest.HOST);
    }
}
