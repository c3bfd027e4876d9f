package dev.llada2.it.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llada2.checkpoint.Checkpoint;
import dev.llada2.checkpoint.SafetensorsFile;
import dev.llada2.checkpoint.TensorInfo;
import dev.llada2.checkpoint.TensorReader;
import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import dev.llada2.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static dev.llada2.testing.Messages.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command through picocli, in-process: what it prints, its exit code, and its errors (missing
 * model directory, wrong file, bad flag values, missing tokenizer). Run alone:
 * {@code ./run-tests -pl tests -Dtest=CommandsTest}.
 */
class CommandsTest {

    static final String TINY = SharedData.model("tiny").toString();
    static final String SMALL = SharedData.model("small").toString();

    @TempDir
    Path tmp;

    static final List<String> COMMANDS = List.of("demo", "generate", "chat", "bench", "forward", "info", "init-random",
            "tokenize", "detokenize", "plan", "profile", "devices", "selftest", "quantize");

    @Test
    void everyCommandHasHelpWithExamples() {
        for (String command : COMMANDS) {
            Cli r = Cli.run(command, "--help");
            assertEquals(0, r.exitCode(), r.toString());
            assertContains(r.out(), "Usage: llada2 " + command, "Examples:");
        }
        Cli root = Cli.run("--help");
        assertContains(root.out(), "Exit codes:", "2  usage error");
    }

    @Test
    void usageErrorsExitWith2() {
        assertEquals(2, Cli.run().exitCode());
        assertEquals(2, Cli.run("generate", "--model", TINY, "--prompt-ids", "1,x").exitCode());
        assertEquals(2, Cli.run("generate", "--model", TINY, "--prompt-ids", "1", "--no-such-flag").exitCode());
        Cli threshold = Cli.run("generate", "--model", TINY, "--prompt-ids", "1,2", "--threshold", "2");
        assertEquals(2, threshold.exitCode(), threshold.toString());
        assertContains(threshold.err(), "--threshold must be in [0, 1], got 2.0");
        Cli both = Cli.run("generate", "--model", TINY, "--prompt-ids", "1", "--prompt", "hi");
        assertEquals(2, both.exitCode());
        assertContains(both.err(), "exactly one of --prompt TEXT and --prompt-ids");
        Cli decoding = Cli.run("generate", "--model", TINY, "--prompt-ids", "1", "--decoding", "edit");
        assertEquals(2, decoding.exitCode(), decoding.toString());
        assertContains(decoding.err(), "--decoding must be threshold or joint, got 'edit'");
        Cli editFlag = Cli.run("generate", "--model", TINY, "--prompt-ids", "1", "--edit-threshold", "0.5");
        assertEquals(2, editFlag.exitCode(), editFlag.toString());
        assertContains(editFlag.err(), "--edit-threshold and --max-post-edit-steps apply to --decoding joint");
        Cli steps = Cli.run("generate", "--model", TINY, "--prompt-ids", "1", "--decoding", "joint", "--steps", "8");
        assertEquals(2, steps.exitCode(), steps.toString());
        assertContains(steps.err(), "--steps and --minimal-topk apply to --decoding threshold");
        Cli budget = Cli.run("bench", "--model", TINY, "--decoding", "joint", "--max-post-edit-steps", "-1");
        assertEquals(2, budget.exitCode(), budget.toString());
        assertContains(budget.err(), "--max-post-edit-steps must be >= 0, got -1");
        Cli attention = Cli.run("forward", "--model", TINY, "--ids", "1", "--attention", "causal", "--out",
                tmp.resolve("x.safetensors").toString());
        assertEquals(2, attention.exitCode());
        assertContains(attention.err(), "--attention must be block-causal or bidirectional");
    }

    @Test
    void badInputExitsWith3AndSaysWhatIsWrong() {
        Cli missing = Cli.run("generate", "--model", tmp.resolve("nope").toString(), "--prompt-ids", "1,2");
        assertEquals(3, missing.exitCode(), missing.toString());
        assertContains(missing.err(), "llada2: error:", "nope", "config.json", "not found");
        Cli file = Cli.run("info", "--model", SharedData.model("tiny").resolve("config.json").toString());
        assertEquals(3, file.exitCode(), file.toString());
        assertContains(file.err(), "config.json");
        Cli noTokenizer = Cli.run("generate", "--model", TINY, "--prompt", "hello");
        assertEquals(3, noTokenizer.exitCode(), noTokenizer.toString());
        assertContains(noTokenizer.err(), "has no tokenizer.json", "--prompt-ids");
        Cli badId = Cli.run("generate", "--model", TINY, "--prompt-ids", "99999", "--backend", "cpu");
        assertEquals(3, badId.exitCode(), badId.toString());
        assertContains(badId.err(), "token id 99999 is outside the vocabulary 0..511");
        assertTrue(!badId.err().contains("\tat "), "no stack trace for bad input");
        Cli device = Cli.run("generate", "--model", TINY, "--prompt-ids", "1", "--device", "gpu0");
        assertEquals(2, device.exitCode(), device.toString());
        assertContains(device.err(), "device \"gpu0\" is not valid: write cpu or tornado:B:D");
    }

    @Test
    void infoReportsParametersAndFiles() {
        Cli r = Cli.run("info", "--model", SMALL);
        assertEquals(0, r.exitCode(), r.toString());
        assertContains(r.out(), "4 layers (1 dense, 3 MoE)", "2,970,976 total", "model-00002-of-00002.safetensors",
                "BF16", "mask_token_id: 1019");
    }

    @Test
    void forwardWritesTheGoldenTensorNames() throws Exception {
        Golden g = Golden.of("tiny");
        JsonNode c = g.forwardCases().getFirst();
        Path out = tmp.resolve("fwd.safetensors");
        String ids = Arrays.stream(Golden.ints(c.get("input_ids"))).mapToObj(Integer::toString)
                .collect(Collectors.joining(","));
        Cli r = Cli.run("forward", "--model", TINY, "--backend", "cpu", "--ids", ids, "--out", out.toString());
        assertEquals(0, r.exitCode(), r.toString());
        try (Arena arena = Arena.ofConfined()) {
            Map<String, TensorInfo> got = SafetensorsFile.open(out, arena).tensors();
            String prefix = c.get("id").asText() + ".block_causal.";
            for (String name : List.of("logits", "embeddings", "layer_out", "final_hidden", "attn_out", "mlp_out")) {
                GoldenAssertions.hidden(name, g.floats(g.forwardTensor(prefix + name)), TensorReader.toFloats(got.get(name)),
                        name.equals("logits"));
            }
            assertArrayEquals(TensorReader.toInts(g.forwardTensor(prefix + "router.layer1.topk_idx")),
                    TensorReader.toInts(got.get("router.layer1.topk_idx")));
            GoldenAssertions.absolute("topk_weight", g.floats(g.forwardTensor(prefix + "router.layer2.topk_weight")),
                    TensorReader.toFloats(got.get("router.layer2.topk_weight")), 1e-5);
        }
    }

    @Test
    void initRandomWritesAShardedCheckpointThatLoads() {
        Path out = tmp.resolve("rand");
        Cli r = Cli.run("init-random", "--preset", "tiny", "--layers", "2", "--experts", "8", "--shards", "2",
                "--seed", "3", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(Files.exists(out.resolve("model.safetensors.index.json")));
        Cli info = Cli.run("info", "--model", out.toString());
        assertEquals(0, info.exitCode(), info.toString());
        assertContains(info.out(), "2 layers (1 dense, 1 MoE)", "experts 8");
        Cli bad = Cli.run("init-random", "--preset", "huge", "--out", tmp.resolve("huge").toString());
        assertEquals(2, bad.exitCode(), bad.toString());
        assertContains(bad.err(), "unknown preset \"huge\"");
    }

    @Test
    void tokenizeAndDetokenizeMatchTheReference() throws Exception {
        Path qwen = SharedData.tokenizers().resolve("qwen3/tokenizer.json");
        JsonNode cases = new ObjectMapper().readTree(SharedData.tokenizers().resolve("qwen3/cases.json").toFile());
        JsonNode c = cases.get("cases").get(20);
        Cli r = Cli.run("tokenize", "--tokenizer", qwen.toString(), "--text", c.get("text").asText(), "--json");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode out = new ObjectMapper().readTree(r.out());
        assertEquals(c.get("ids_default"), out.get("ids"));
        Path jsonl = tmp.resolve("in.jsonl");
        Files.writeString(jsonl, "{\"text\": \"Hello world\"}\n{\"text\": \"<|endoftext|>ok\"}\n");
        Cli batch = Cli.run("tokenize", "--tokenizer", qwen.toString(), "--input", jsonl.toString());
        assertEquals(0, batch.exitCode(), batch.toString());
        List<String> lines = batch.out().lines().toList();
        assertEquals(2, lines.size());
        assertEquals("<|endoftext|>ok", new ObjectMapper().readTree(lines.get(1)).get("decoded").asText());
        String ids = Arrays.stream(Golden.ints(new ObjectMapper().readTree(lines.get(1)).get("ids")))
                .mapToObj(Integer::toString).collect(Collectors.joining(","));
        assertEquals("ok", Cli.run("detokenize", "--tokenizer", qwen.toString(), "--ids", ids, "--skip-special-tokens")
                .out().strip());
        Files.writeString(jsonl, "not json\n");
        Cli broken = Cli.run("tokenize", "--tokenizer", qwen.toString(), "--input", jsonl.toString());
        assertEquals(3, broken.exitCode());
        assertContains(broken.err(), "line 1 is not JSON");
        assertEquals(2, Cli.run("tokenize", "--text", "x").exitCode());
    }

    @Test
    void planReportsTheFlashTotalsFromConfigAlone() throws Exception {
        Path config = tmp.resolve("config.json");
        Files.writeString(config, dev.llada2.config.ConfigPresets.json("flash"));
        Cli r = Cli.run("plan", "--config", config.toString(), "--profile", "gpu4x80-flash", "--output", "json");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode plan = new ObjectMapper().readTree(r.out());
        assertEquals(205_779_410_432L, plan.at("/totals/weight_bytes").asLong(), r.out());
        assertTrue(plan.get("fits").asBoolean());
        Cli ep = Cli.run("plan", "--config", config.toString(), "--profile", "gpu4x80-flash-ep");
        assertEquals(0, ep.exitCode(), ep.toString());
        assertContains(ep.out(), "gpu3    tornado:0:3", "routed experts 192-255 of layers 1-31",
                "crosses between devices per block forward: 141.75 MB", "fits: yes");
        Cli small = Cli.run("plan", "--config", config.toString(), "--profile", "gpu1x80-mini");
        assertEquals(0, small.exitCode());
        assertContains(small.out(), "fits: NO", "expert_offload");
        Cli missing = Cli.run("plan", "--config", config.toString(), "--profile", tmp.resolve("none.json").toString());
        assertEquals(3, missing.exitCode(), missing.toString());
    }

    @Test
    void profileAndSelftestExplainWhatIsMissing() {
        Cli bogus = Cli.run("profile", "--device", "gpu");
        assertEquals(2, bogus.exitCode(), bogus.toString());
        assertContains(bogus.err(), "device \"gpu\" is not valid");
        // this test JVM never runs TornadoVM: without an SDK the backend is absent; with one (the TornadoVM
        // module then joins the class path) its runtime is not initialised. Either way: exit 4 and what to do.
        for (Cli r : List.of(Cli.run("profile", "--device", "tornado:0:0"), Cli.run("selftest"))) {
            assertEquals(4, r.exitCode(), r.toString());
            assertTrue(r.err().contains("TORNADOVM_HOME") || r.err().contains("tornado-argfile"), r.toString());
        }
    }

    @Test
    void devicesListsTheCpu() {
        Cli r = Cli.run("devices");
        assertEquals(0, r.exitCode(), r.toString());
        assertContains(r.out(), "cpu", "CPU");
    }

    @Test
    void benchReportsJson() throws Exception {
        Cli r = Cli.run("bench", "--model", TINY, "--backend", "cpu", "--prompt-length", "5", "--gen-length", "16",
                "--no-eos", "--warmup", "0", "--runs", "1", "--compare-cache", "--output", "json");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(2, j.get("modes").size());
        assertEquals(16, j.at("/modes/0/runs/0/tokens").asInt());
        assertTrue(j.get("kv_cache_speedup").asDouble() > 0);
        // the CPU engine runs no task graphs: the device counters are present and zero
        assertEquals(0, j.at("/modes/0/runs/0/graph_executions_per_forward").asDouble(-1));
        assertEquals(0, j.at("/modes/0/runs/0/kernel_launches_per_forward").asDouble(-1));
        assertEquals(0, j.at("/modes/0/runs/0/device_bytes_per_forward").asDouble(-1));
        // one CPU device: nothing crosses between host and device or between devices
        for (String key : List.of("host_to_device", "device_to_host", "device_to_device")) {
            assertEquals(0, j.at("/modes/0/runs/0/" + key + "_bytes_per_forward").asDouble(-1), key);
        }
        // the weights' size: every tensor's elements times its type's bytes
        long weightBytes = 0;
        try (Checkpoint c = Checkpoint.open(Path.of(TINY))) {
            for (TensorInfo t : c.tensors().values()) {
                weightBytes += Arrays.stream(t.shape()).reduce(1, (x, y) -> x * y) * t.dtype().bytes();
            }
        }
        assertEquals(weightBytes, j.get("weight_bytes").asLong());
    }

    /**
     * Expert parallelism over two CPU devices: the rows routed to the second device's experts and their
     * outputs cross every MoE layer; the JSON reports them per engine forward (denoising, prefill and
     * cache-append forwards alike).
     */
    @Test
    void benchReportsDeviceToDeviceBytesPerForward() throws Exception {
        Cli r = Cli.run("bench", "--model", TINY, "--profile", "cpu2-expert-parallel", "--prompt-length", "5",
                "--gen-length", "16", "--no-eos", "--warmup", "0", "--runs", "1", "--output", "json");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode run = new ObjectMapper().readTree(r.out()).at("/modes/0/runs/0");
        int forwards = run.get("forwards").asInt() + run.get("prefill_forwards").asInt()
                + run.get("cache_forwards").asInt();
        assertTrue(run.get("handoff_bytes").asLong() > 0, run.toString());
        assertEquals((double) run.get("handoff_bytes").asLong() / forwards,
                run.get("device_to_device_bytes_per_forward").asDouble(), 1e-9, run.toString());
    }

    /**
     * --breakdown: every part of the CPU engine's forward is reported, the layer parts took time, and
     * the parts with the bookkeeping add up to the generation time per denoising forward.
     */
    @Test
    void benchBreaksTheForwardDown() throws Exception {
        Cli r = Cli.run("bench", "--model", SharedData.model("small").toString(), "--backend", "cpu",
                "--prompt-length", "5", "--gen-length", "32", "--no-eos", "--warmup", "0", "--runs", "1",
                "--breakdown", "--output", "json");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode run = new ObjectMapper().readTree(r.out()).at("/modes/0/runs/0");
        JsonNode b = run.get("breakdown_ms_per_forward");
        double sum = 0;
        for (String part : List.of("embedding", "attention_projections", "attention_rope", "attention_scores",
                "norms_residual", "router", "routed_experts", "shared_expert", "dense_mlp", "head", "other",
                "decoding_bookkeeping")) {
            assertTrue(b.has(part), part + " in " + b);
            assertTrue(b.get(part).asDouble() >= 0, part + " in " + b);
            sum += b.get(part).asDouble();
        }
        for (String part : List.of("attention_projections", "routed_experts", "dense_mlp", "head")) {
            assertTrue(b.get(part).asDouble() > 0, part + " in " + b);
        }
        double perForward = (run.get("prefill_ms").asDouble() + run.get("decode_ms").asDouble())
                / run.get("forwards").asInt();
        assertEquals(perForward, sum, 1e-6 * perForward + 1e-9, b.toString());

        Cli table = Cli.run("bench", "--model", TINY, "--backend", "cpu", "--prompt-length", "5", "--gen-length", "16",
                "--no-eos", "--warmup", "0", "--runs", "1", "--breakdown");
        assertEquals(0, table.exitCode(), table.toString());
        assertContains(table.out(), "routed experts", "final norm and head", "decoding bookkeeping", "fwd mean ms");
    }

    @Test
    void benchReportsJointDecodingWithItsEdits() throws Exception {
        Cli r = Cli.run("bench", "--model", SharedData.model("small").toString(), "--backend", "cpu", "--prompt-length", "5",
                "--gen-length", "32", "--no-eos", "--warmup", "0", "--runs", "1", "--decoding", "joint",
                "--max-post-edit-steps", "2", "--output", "json");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("joint", j.at("/modes/0/decoding").asText());
        assertTrue(j.at("/modes/0/runs/0/edits").asInt() > 0, r.out());
    }

    @Test
    void demoThenChatFromAPipe() {
        Path demo = tmp.resolve("demo");
        Cli r = Cli.run("demo", "--dir", demo.toString(), "--gen-length", "16");
        assertEquals(0, r.exitCode(), r.toString());
        assertContains(r.err(), "RANDOM");
        assertTrue(!r.out().isBlank());
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream("Hello\n/reset\nAgain\n".getBytes(StandardCharsets.UTF_8)));
            Cli chat = Cli.run("chat", "--model", demo.toString(), "--gen-length", "8", "--quiet", "--backend", "cpu");
            assertEquals(0, chat.exitCode(), chat.toString());
            assertEquals(2, chat.out().lines().count(), "one line per answer: " + chat.out());
            System.setIn(new ByteArrayInputStream("Hello\n".getBytes(StandardCharsets.UTF_8)));
            Cli joint = Cli.run("chat", "--model", demo.toString(), "--gen-length", "8", "--backend", "cpu",
                    "--decoding", "joint");
            assertEquals(0, joint.exitCode(), joint.toString());
            assertTrue(!joint.out().isBlank(), joint.toString());
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void generateTextPromptWithJsonOutput() throws Exception {
        Path demo = tmp.resolve("demo2");
        assertEquals(0, Cli.run("demo", "--dir", demo.toString(), "--gen-length", "4").exitCode());
        Cli r = Cli.run("generate", "--model", demo.toString(), "--prompt", "Hi", "--system", "Be brief.",
                "--gen-length", "8", "--output", "json", "--backend", "cpu");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertTrue(j.has("text"));
        assertEquals(j.get("generated_ids").size() / (double) j.get("forwards").asInt(), j.get("tokens_per_forward")
                .asDouble(), 1e-9);
    }
}
