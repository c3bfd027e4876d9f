package dev.llada2.profiles.fit;

import dev.llada2.checkpoint.DType;
import dev.llada2.config.ConfigPresets;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.profiles.BundledProfiles;
import dev.llada2.profiles.HardwareProfile;
import dev.llada2.profiles.HostResources;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Byte totals of the planner for the real model shapes (mini, flash), checked against a
 * parameter count written out by hand from spec §3 and against the spec's §1/§8.1 numbers; KV and
 * workspace formulas; fit and suggestions.
 * Run alone: {@code mvn -q test -pl hardware-profiles -Dtest=PlannerTotalsTest}.
 */
class PlannerTotalsTest {

    /** bf16 bytes of LLaDA2.0-mini: 16,255,643,392 parameters x 2. */
    static final long MINI_BF16_BYTES = 32_511_286_784L;
    /** bf16 bytes of LLaDA2.0-flash: 102,889,705,216 parameters x 2. */
    static final long FLASH_BF16_BYTES = 205_779_410_432L;

    static final HostResources HOST = new HostResources(8, 64_000_000_000L);

    static Plan plan(String model, String profile) {
        return plan(ConfigPresets.load(model), BundledProfiles.load(profile), PlanOptions.defaults());
    }

    static Plan plan(LLaDA2Config c, HardwareProfile p, PlanOptions o) {
        return Planner.plan(c, p, o, WeightDtypes.fromConfig(c), HOST);
    }

    /** Parameters from the tensor table of spec §3, written independently of LLaDA2Architecture. */
    static long specParameters(LLaDA2Config c) {
        long h = c.hiddenSize();
        long embedding = (long) c.vocabSize() * h;
        long attention = h                                              // input_layernorm
                + (long) (c.numAttentionHeads() + 2 * c.numKeyValueHeads()) * c.headDim() * h  // query_key_value
                + 2L * c.headDim()                                      // query/key layernorm
                + h * (long) c.numAttentionHeads() * c.headDim()        // dense
                + h;                                                    // post_attention_layernorm
        long dense = 3L * c.intermediateSize() * h;
        long moe = (long) c.numExperts() * h + c.numExperts()          // gate.weight, gate.expert_bias
                + (long) c.numExperts() * 3 * c.moeIntermediateSize() * h
                + 3L * c.moeIntermediateSize() * c.numSharedExperts() * h;
        int moeLayers = c.numHiddenLayers() - c.firstKDenseReplace();
        return embedding + c.numHiddenLayers() * attention + c.firstKDenseReplace() * dense + moeLayers * moe
                + h + embedding;                                        // model.norm, lm_head
    }

    @Test
    void miniBf16WeightsMatchTheTensorTableAndTheSpec() {
        Plan plan = plan("mini", "cpu");
        assertEquals(2 * specParameters(plan.config()), plan.totalWeightBytes());
        assertEquals(MINI_BF16_BYTES, plan.totalWeightBytes());
        assertEquals(Map.of(DType.BF16, MINI_BF16_BYTES), plan.weightBytesByDtype());
        assertEquals(32.51, plan.totalWeightBytes() / 1e9, 0.1, "spec §8.1: bf16 ≈ 32.51 GB");
        assertEquals(16.2556e9, specParameters(plan.config()), 0.0001e9, "spec §8.1: 16.2556 B parameters");
    }

    @Test
    void flashBf16WeightsMatchTheTensorTableAndTheSpec() {
        Plan plan = plan("flash", "gpu4x80-flash");
        assertEquals(2 * specParameters(plan.config()), plan.totalWeightBytes());
        assertEquals(FLASH_BF16_BYTES, plan.totalWeightBytes());
        assertEquals(205.8, plan.totalWeightBytes() / 1e9, 0.1, "spec §1: bf16 ≈ 205.8 GB");
        assertEquals(102.890e9, specParameters(plan.config()), 0.001e9, "spec §8.1: 102.890 B parameters");
    }

    @Test
    void weightTypeOverrideAndCheckpointTypes() {
        LLaDA2Config mini = ConfigPresets.load("mini");
        HardwareProfile cpu = BundledProfiles.load("cpu");
        Plan f32 = plan(mini, cpu, PlanOptions.defaults().withWeightDtype(DType.F32));
        assertEquals(2 * MINI_BF16_BYTES, f32.totalWeightBytes());
        // a checkpoint that stores the norms in fp32: 2 extra bytes per norm element
        Plan mixed = Planner.plan(mini, cpu, PlanOptions.defaults(), WeightDtypes.fromCheckpoint(
                Map.of("model.norm.weight", DType.F32), mini), HOST);
        assertEquals(MINI_BF16_BYTES + 2L * mini.hiddenSize(), mixed.totalWeightBytes());
        assertEquals(4L * mini.hiddenSize(), mixed.weightBytesByDtype().get(DType.F32));
    }

    @Test
    void kvCacheIsFp32ForWholeBlocksOnEachLayersHome() {
        LLaDA2Config mini = ConfigPresets.load("mini");
        // prompt 5 + gen 64 = 69 positions -> 3 blocks of 32 = 96
        PlanOptions o = new PlanOptions(64, 5, 32, java.util.Optional.empty());
        assertEquals(96, o.kvPositions());
        Plan split = plan(mini, BundledProfiles.load("cpu2-layer-split"), o);
        long perLayer = 96L * 2 * mini.numKeyValueHeads() * mini.headDim() * 4;
        assertEquals(20 * perLayer, split.totalKvBytes());
        assertEquals(10 * perLayer, split.devices().get(0).kvBytes());
        assertEquals(10 * perLayer, split.devices().get(1).kvBytes());
        // spec §5: 40 KiB per token in bf16 for mini; the engine's fp32 doubles it
        assertEquals(2 * 40 * 1024L * 96, split.totalKvBytes());
    }

    @Test
    void workspaceFollowsTheDocumentedFormula() {
        LLaDA2Config mini = ConfigPresets.load("mini");
        PlanOptions o = PlanOptions.defaults();
        DeviceLoad only = plan(mini, BundledProfiles.load("cpu"), o).devices().getFirst();
        long t = o.blockLength();
        long h = mini.hiddenSize();
        long attention = t * mini.qkvRows() + t * mini.queryDim() + t * mini.numAttentionHeads() * o.kvPositions();
        long moe = t * mini.numExperts() + t * mini.numExpertsPerTok() * h + 2 * t * mini.sharedIntermediateSize() + t * h;
        long dense = 2 * t * mini.intermediateSize();
        long floats = t * h                                              // embedding
                + 3 * t * h + Math.max(attention, Math.max(moe, dense))  // layer homes
                + t * h + t * mini.numExpertsPerTok() * (2 * h + 2L * mini.moeIntermediateSize())  // experts
                + t * h + t * mini.vocabSize();                          // head
        assertEquals(4 * floats, only.workBytes());
    }

    @Test
    void flashFitsOnFourEightyGigabyteGpus() {
        Plan plan = plan("flash", "gpu4x80-flash");
        assertTrue(plan.fits(), PlanReport.render(plan));
        assertTrue(plan.suggestions().isEmpty());
        for (DeviceLoad d : plan.devices()) {
            assertTrue(d.totalBytes() > 45e9 && d.totalBytes() < 60e9, d.device().id() + ": " + d.totalBytes());
        }
        assertEquals(FLASH_BF16_BYTES, plan.totalWeightBytes());
    }

    @Test
    void flashOnOneEightyGigabyteGpuDoesNotFitAndSaysWhatWould() {
        Plan plan = plan("flash", "gpu1x80-mini");
        assertFalse(plan.fits());
        assertEquals(1, plan.suggestions().size());
        String s = plan.suggestions().getFirst();
        DeviceLoad gpu = plan.devices().getFirst();
        long excess = gpu.totalBytes() - 80_000_000_000L;
        LLaDA2Config flash = plan.config();
        long expertsPerLayer = 2L * flash.numExperts() * 3 * flash.moeIntermediateSize() * flash.hiddenSize();
        long layers = (excess + expertsPerLayer - 1) / expertsPerLayer;
        assertEquals(20, layers);
        assertTrue(s.startsWith("device gpu0 needs 206.0 GB of 80.00 GB"), s);
        assertTrue(s.contains(">= 3 such devices"), s);
        assertTrue(s.contains("\"expert_offload\": {\"device\": \"cpu\", \"first_moe_layers\": " + layers + "}"), s);
        assertTrue(s.contains("quantise the weights with `llada2 quantize --type q8_0|q4_k_m` (then plan with"
                + " --quantize): q8_0 needs 1"), s);
        assertTrue(s.contains("(does not fit), q4_k_m needs 6"), s);
        assertTrue(s.endsWith("(fits)") || s.contains("(fits);"), s);
    }

    @Test
    void offloadSuggestionNamesACpuDeviceWithRoom() {
        String json = "{\"name\": \"g\", \"devices\": [{\"id\": \"gpu0\", \"backend\": \"tornado\","
                + " \"selector\": \"tornado:0:0\", \"memory_gb\": 24}, {\"id\": \"host\", \"backend\": \"cpu\","
                + " \"memory_gb\": 64}]}";
        Plan plan = plan(ConfigPresets.load("mini"), dev.llada2.profiles.ProfileLoader.parse(json, "g.json"),
                PlanOptions.defaults());
        assertFalse(plan.fits());
        String s = plan.suggestions().getFirst();
        assertTrue(s.contains("to CPU device host: \"expert_offload\": {\"device\": \"host\", \"first_moe_layers\": 6}"), s);
    }

    @Test
    void cpuDevicesShareTheHostWhenTheProfileLeavesThreadsAndMemoryOut() {
        Plan plan = plan("tiny", "cpu2-expert-parallel");
        for (DeviceLoad d : plan.devices()) {
            assertEquals(4, d.threads().getAsInt());
            assertEquals(32_000_000_000L, d.budgetBytes());
        }
        Plan gpu = plan("tiny", "gpu1-cpu-experts");
        assertTrue(gpu.devices().get(0).threads().isEmpty());
        assertEquals(8, gpu.devices().get(1).threads().getAsInt());
        assertEquals(256_000_000_000L, gpu.devices().get(1).budgetBytes());
    }

    @Test
    void forwardTimeEstimateReadsTheExpectedShareOfExpertsAtTheMeasuredBandwidth() {
        LLaDA2Config mini = ConfigPresets.load("mini");
        assertTrue(plan("mini", "cpu").estimatedForwardSeconds().isEmpty(), "no bandwidth measured");
        HardwareProfile measured = dev.llada2.profiles.ProfileLoader.parse("{\"name\": \"m\", \"devices\":"
                + " [{\"id\": \"cpu\", \"backend\": \"cpu\", \"bandwidth_gbps\": 100}]}", "m.json");
        Plan plan = plan(mini, measured, PlanOptions.defaults());
        long experts = 2L * 19 * 256 * 3 * 512 * 2048;
        long embedding = 2L * 157184 * 2048;
        double share = 1 - Math.pow(1 - 8.0 / 256, 32); // spec §8.1: about 163 of 256 experts
        assertEquals(0.638, share, 0.001);
        double read = MINI_BF16_BYTES - experts - embedding + share * experts + 32.0 / 157184 * embedding;
        assertEquals(read, plan.devices().getFirst().readBytesPerForward(), 1e-6 * read);
        assertEquals(read / 100e9, plan.estimatedForwardSeconds().getAsDouble(), 1e-6);
        assertTrue(PlanReport.render(plan).contains("estimated block forward: >= 207.9 ms"), PlanReport.render(plan));
    }
}
