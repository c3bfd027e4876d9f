package dev.llada2.tornado;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.quant.QuantScheme;
import dev.llada2.decode.BlockDiffusionDecoder;
import dev.llada2.decode.DecodeListener;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeResult;
import dev.llada2.decode.EngineDenoiser;
import dev.llada2.profiles.ProfileLoader;
import dev.llada2.profiles.ProfileRuntime;
import dev.llada2.profiles.HardwareProfile;
import dev.llada2.profiles.HostResources;
import dev.llada2.profiles.fit.Plan;
import dev.llada2.profiles.fit.PlanOptions;
import dev.llada2.profiles.fit.Planner;
import dev.llada2.profiles.fit.WeightDtypes;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.testing.GgufModels;
import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import dev.llada2.testing.SharedData;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.LoadedModel;
import dev.llada2.weights.Matrix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.llada2.testing.Messages.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quantized GGUF models on the TornadoVM engine against the CPU engine on the same file: the Q8_0 of
 * the {@code tiny} golden model, and the Q4_K_M (Q4_K and Q6_K matrices) of a random model whose rows
 * are whole 256-element blocks ({@link GgufModels#kBlockModel}), on one device, on the
 * {@code pocl2-layer-split} profile (two devices) and with every routed expert in host memory on a CPU
 * device. Greedy decoding gives the same tokens and the same number of forwards; logits agree within
 * the tolerance the golden forward cases use for fp32 engines, {@code max|d| <= 1e-4 * max(1,
 * max|ref|)}: both engines decode every weight to the same fp32 value (the self-test checks the device
 * decoder bit for bit), so what remains is the order of fp32 sums, as for BF16 weights.
 */
class TornadoQuantizedTest {

    @TempDir
    static Path tmp;

    private static Path tinyQ8;
    private static Path kBlockQ4KM;
    private static final List<LoadedModel> OPEN = new ArrayList<>();

    @BeforeAll
    static void writeModels() {
        tinyQ8 = GgufModels.quantize(SharedData.model("tiny"), QuantScheme.Q8_0, tmp.resolve("tiny-q8_0.gguf"));
        kBlockQ4KM = GgufModels.quantize(GgufModels.kBlockModel(tmp.resolve("k256")), QuantScheme.Q4_K_M,
                tmp.resolve("k256-q4_k_m.gguf"));
    }

    @AfterAll
    static void closeModels() {
        OPEN.forEach(LoadedModel::close);
    }

    private static LoadedModel open(Path gguf) {
        LoadedModel m = LoadedModel.open(gguf);
        OPEN.add(m);
        return m;
    }

    @Test
    void q8_0OfTheTinyGoldenModelOnOneDevice() {
        LoadedModel m = open(tinyQ8);
        assertEquals(Set.of(DType.Q8_0), blockTypes(m));
        try (Engine cpu = CpuEngine.singleDevice(m.weights());
             Engine dev = new TornadoBackendProvider().createEngine(m.weights(), TestEngines.device())) {
            for (JsonNode c : Golden.of("tiny").forwardCases()) {
                for (String variant : GoldenAssertions.VARIANTS) {
                    sameLogits(cpu, dev, Golden.ints(c.get("input_ids")), GoldenAssertions.mask(variant),
                            c.get("id").asText() + " " + variant);
                }
            }
            int cases = 0;
            for (JsonNode c : Golden.of("tiny").generateCases()) {
                if (c.get("sampler").asText().equals("greedy")) {
                    sameTokens(cpu, dev, Golden.ints(c.get("prompt")), GoldenAssertions.options(c, true));
                    cases++;
                }
            }
            assertTrue(cases > 0);
        }
    }

    @Test
    void q4_K_MOfAKBlockModelOnOneDevice() {
        LoadedModel m = open(kBlockQ4KM);
        assertEquals(Set.of(DType.Q4_K, DType.Q6_K), blockTypes(m));
        try (Engine cpu = CpuEngine.singleDevice(m.weights());
             Engine dev = new TornadoBackendProvider().createEngine(m.weights(), TestEngines.device())) {
            int[] ids = randomIds(70, 3);
            sameLogits(cpu, dev, ids, new AttentionMask.BlockCausal(32), "block-causal");
            sameLogits(cpu, dev, ids, new AttentionMask.Bidirectional(), "bidirectional");
            sameTokens(cpu, dev, randomIds(21, 4), options(m));
        }
    }

    @Test
    void q4_K_MOnTheLayerSplitProfile() {
        LoadedModel m = open(kBlockQ4KM);
        profileMatchesCpu(m, ProfileLoader.load("pocl2-layer-split"), "tornado:0:0", "tornado:0:1");
    }

    @Test
    void q4_K_MWithRoutedExpertsInHostMemory() {
        LoadedModel m = open(kBlockQ4KM);
        profileMatchesCpu(m, ProfileLoader.parse(TornadoExpertOffloadTest.profile(
                TornadoExpertOffloadTest.Layout.ALL_MOE_LAYERS), "test profile"), "routed experts in host memory");
    }

    /**
     * The device holds the checkpoint's blocks as they are, so each quantized matrix takes exactly its
     * file bytes on the device (row-major and k-major), which is what the engine's memory budget adds
     * ({@code Matrix.bytes()}) and what {@code plan} counts per type for a TornadoVM device.
     */
    @Test
    void deviceBytesAndThePlanCountTheBlocksExactly() {
        LoadedModel m = open(kBlockQ4KM);
        Map<DType, Long> file = new EnumMap<>(DType.class);
        for (Matrix x : m.weights().matrices()) {
            file.merge(x.dtype(), x.bytes(), Long::sum);
            assertEquals(x.dtype().bytesFor((long) x.rows() * x.cols()), x.bytes(), x.name());
            DeviceMatrix d = DeviceMatrix.upload(x, Long.MAX_VALUE);
            assertEquals(x.bytes(), deviceBytes(d), x.name());
            assertEquals(x.bytes(), deviceBytes(d.kMajor()), x.name() + " k-major");
        }
        Plan plan = plan(m, ProfileLoader.parse("""
                {"name": "one-pocl", "devices": [
                  {"id": "pocl0", "backend": "tornado", "selector": "%s", "memory_gb": 4}],
                 "placement": {"home": "pocl0"}}""".formatted(TestEngines.device()), "test profile"));
        Map<DType, Long> planned = plan.devices().getFirst().weightBytesByDtype();
        for (DType t : List.of(DType.Q4_K, DType.Q6_K)) {
            assertTrue(file.get(t) > 0, t.toString());
            assertEquals(file.get(t), planned.get(t), t + " bytes in the plan");
        }
    }

    private static long deviceBytes(DeviceMatrix d) {
        return d.parts().stream().mapToLong(p -> 2L * p.words().getSize()).sum();
    }

    private static Plan plan(LoadedModel m, HardwareProfile profile) {
        return Planner.plan(m.config(), profile, PlanOptions.defaults(),
                WeightDtypes.fromCheckpoint(m.checkpoint().dtypes(), m.config()), HostResources.detect());
    }

    /** Planned as {@code --profile} plans a model: with the file's own tensor types. */
    private static void profileMatchesCpu(LoadedModel m, HardwareProfile profile, String... described) {
        Plan plan = plan(m, profile);
        try (Engine cpu = CpuEngine.singleDevice(m.weights());
             Engine dev = ProfileRuntime.createEngine(plan, m)) {
            assertContains(dev.describe(), described);
            sameLogits(cpu, dev, randomIds(40, 5), new AttentionMask.BlockCausal(32), "block-causal");
            sameTokens(cpu, dev, randomIds(21, 6), options(m));
        }
    }

    private static Set<DType> blockTypes(LoadedModel m) {
        return m.weights().matrices().stream().map(Matrix::dtype).filter(DType::isBlockQuantized)
                .collect(Collectors.toSet());
    }

    /** 64 tokens in blocks of 32, greedy, no early stop: two whole blocks decoded by the threshold rule. */
    private static DecodeOptions options(LoadedModel m) {
        return new DecodeOptions(64, 32, 32, DecodeOptions.DEFAULT_THRESHOLD, 1, 0.0, 0, 1.0, 0L,
                m.config().eosTokenId().orElseThrow(), m.config().maskTokenId().orElseThrow(), false, true);
    }

    private static int[] randomIds(int n, long seed) {
        Random r = new Random(seed);
        return IntStream.range(0, n).map(i -> r.nextInt(1000)).toArray();
    }

    private static void sameLogits(Engine cpu, Engine dev, int[] ids, AttentionMask mask, String what) {
        int[] rows = IntStream.range(0, ids.length).toArray();
        cpu.resetCache();
        dev.resetCache();
        float[][] want = cpu.forward(new ForwardRequest(ids, 0, mask, false, new HeadRequest.Logits(rows),
                TraceSink.NONE)).logits();
        float[][] got = dev.forward(new ForwardRequest(ids, 0, mask, false, new HeadRequest.Logits(rows),
                TraceSink.NONE)).logits();
        for (int i = 0; i < rows.length; i++) {
            GoldenAssertions.hidden(what + " row " + i, want[i], got[i], true);
        }
    }

    private static void sameTokens(Engine cpu, Engine dev, int[] prompt, DecodeOptions options) {
        DecodeResult want = decode(cpu, prompt, options);
        DecodeResult got = decode(dev, prompt, options);
        assertArrayEquals(want.generatedIds(), got.generatedIds(), "greedy tokens");
        assertEquals(want.forwards(), got.forwards(), "forwards");
        assertTrue(want.generatedIds().length > 0);
    }

    private static DecodeResult decode(Engine e, int[] prompt, DecodeOptions options) {
        e.resetCache();
        return BlockDiffusionDecoder.of(new EngineDenoiser(e, true), options).generate(prompt, DecodeListener.NONE);
    }
}
