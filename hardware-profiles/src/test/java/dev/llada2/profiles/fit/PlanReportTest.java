package dev.llada2.profiles.fit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.llada2.config.ConfigPresets;
import dev.llada2.profiles.BundledProfiles;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The text table and the JSON document of a plan. Run alone:
 * {@code mvn -q test -pl hardware-profiles -Dtest=PlanReportTest}.
 */
class PlanReportTest {

    @Test
    void textTableHasOneRowPerDeviceATotalAndTheVerdict() {
        Plan plan = PlannerTotalsTest.plan("flash", "gpu4x80-flash");
        String text = PlanReport.render(plan);
        assertTrue(text.contains("device  backend      threads   weights"), text);
        for (String id : new String[] {"gpu0", "gpu1", "gpu2", "gpu3"}) {
            assertTrue(text.lines().anyMatch(l -> l.startsWith(id + "    tornado:0:")), text);
        }
        assertTrue(text.contains("embedding; layer homes 0-7; all routed experts of layers 1-7"), text);
        assertTrue(text.contains("layer homes 24-31; all routed experts of layers 24-31; head"), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("total") && l.contains("205.8 GB")), text);
        assertTrue(text.contains("KV cache: fp32, 1024 positions"), text);
        assertTrue(text.endsWith("fits: yes\n"), text);
    }

    @Test
    void textTableListsSuggestionsWhenItDoesNotFit() {
        String text = PlanReport.render(PlannerTotalsTest.plan("flash", "gpu1x80-mini"));
        assertTrue(text.contains("257% !"), text);
        assertTrue(text.contains("fits: NO\n  - device gpu0 needs 206.0 GB of 80.00 GB"), text);
    }

    @Test
    void jsonCarriesExactBytesAndThePlacement() throws Exception {
        Plan plan = PlannerTotalsTest.plan("mini", "cpu2-expert-parallel");
        JsonNode root = JsonMapper.builder().build().readTree(PlanReport.json(plan));
        assertEquals("cpu2-expert-parallel", root.get("profile").asText());
        assertEquals(PlannerTotalsTest.MINI_BF16_BYTES, root.get("totals").get("weight_bytes").asLong());
        assertEquals(plan.totalBytes(), root.get("totals").get("total_bytes").asLong());
        assertEquals(2, root.get("devices").size());
        JsonNode cpu1 = root.get("devices").get(1);
        assertEquals("cpu1", cpu1.get("id").asText());
        assertEquals(plan.devices().get(1).weightBytes(), cpu1.get("weight_bytes_by_dtype").get("BF16").asLong());
        assertEquals("routed experts 128-255 of layers 1-19", cpu1.get("holds").get(0).asText());
        assertEquals(20, root.get("placement").get("layers").size());
        JsonNode layer1 = root.get("placement").get("experts").get(0);
        assertEquals(1, layer1.get("layer").asInt());
        assertEquals("0-127", layer1.get("ranges").get(0).get("experts").asText());
        assertEquals("cpu1", layer1.get("ranges").get(1).get("device").asText());
        assertEquals(plan.fits(), root.get("fits").asBoolean());
        assertEquals(ConfigPresets.load("mini").source(), root.get("model").asText());
    }

    /**
     * The four-GPU expert-parallel flash profile: one row per GPU with its memory, gpu0 holding the homes
     * and a quarter of the experts, and the bytes that cross per block forward: each peer sends back one
     * row per slot it serves, exactly {@code 4 H (T k / 4)} per MoE layer (31 layers, T = 32, k = 8,
     * H = 4096), and gpu0 receives all of it and sends the rest.
     */
    @Test
    void expertParallelPlanShowsMemoryPerDeviceAndTheBytesThatCross() throws Exception {
        Plan plan = PlannerTotalsTest.plan("flash", "gpu4x80-flash-ep");
        String text = PlanReport.render(plan);
        assertTrue(text.contains("embedding; layer homes 0-31; routed experts 0-63 of layers 1-31; head"), text);
        for (String id : new String[] {"gpu1", "gpu2", "gpu3"}) {
            assertTrue(text.lines().anyMatch(l -> l.startsWith(id + "    tornado:0:")), text);
        }
        assertTrue(text.contains("crosses between devices per block forward: "), text);
        assertTrue(text.contains("gpu1 sends 32.51 MB, receives "), text);
        assertTrue(text.endsWith("fits: yes\n"), text);

        JsonNode root = JsonMapper.builder().build().readTree(PlanReport.json(plan));
        long peerSends = 31L * 4 * 4096 * (32 * 8 / 4);
        long gpu0Receives = 0;
        long peersReceive = 0;
        for (int d = 1; d < 4; d++) {
            JsonNode peer = root.get("devices").get(d);
            assertEquals(peerSends, peer.get("sends_bytes_per_forward").asLong(), peer.toString());
            gpu0Receives += peer.get("sends_bytes_per_forward").asLong();
            peersReceive += peer.get("receives_bytes_per_forward").asLong();
            assertTrue(peer.get("total_bytes").asLong() > 0);
        }
        JsonNode gpu0 = root.get("devices").get(0);
        assertEquals(gpu0Receives, gpu0.get("receives_bytes_per_forward").asLong());
        assertEquals(peersReceive, gpu0.get("sends_bytes_per_forward").asLong());
        assertEquals(gpu0Receives + peersReceive, root.get("totals").get("crossing_bytes_per_forward").asLong());
        assertTrue(plan.fits());
    }

    /** A four-stage pipeline sends the block's residual stream across each of its three boundaries. */
    @Test
    void layerSplitCrossesTheResidualStreamAtEachBoundary() throws Exception {
        JsonNode root = JsonMapper.builder().build().readTree(PlanReport.json(
                PlannerTotalsTest.plan("flash", "gpu4x80-flash")));
        assertEquals(3L * 4 * 4096 * 32, root.get("totals").get("crossing_bytes_per_forward").asLong());
        assertEquals(0, root.get("devices").get(0).get("receives_bytes_per_forward").asLong());
        assertEquals(0, root.get("devices").get(3).get("sends_bytes_per_forward").asLong());
    }
}
