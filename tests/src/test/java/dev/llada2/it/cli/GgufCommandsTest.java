package dev.llada2.it.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llada2.tokenizer.DemoTokenizer;
import dev.llada2.tokenizer.LLaDA2SpecialTokens;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.llada2.testing.Messages.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code llada2 quantize} and the commands on its GGUF files: a random model with the demo tokenizer
 * becomes one file that generates, tokenizes, describes itself and plans with no other file; a BF16
 * GGUF generates exactly what its directory generates; bad files and flags exit with 3 and 2.
 */
class GgufCommandsTest {

    @TempDir
    static Path tmp;
    private static Path dir;
    private static Path q8;
    private static Path bf16;

    @BeforeAll
    static void quantize() {
        dir = tmp.resolve("model");
        LLaDA2SpecialTokens ids = DemoTokenizer.write(tmp.resolve("tokenizer.json"), 768);
        Cli init = Cli.run("init-random", "--vocab", "768", "--lm-head-scale", "16", "--mask-id",
                String.valueOf(ids.mask()), "--eos-id", String.valueOf(ids.endOfText()), "-o", dir.toString());
        assertEquals(0, init.exitCode(), init.toString());
        DemoTokenizer.write(dir.resolve("tokenizer.json"), 768);
        q8 = tmp.resolve("model-q8_0.gguf");
        bf16 = tmp.resolve("model-bf16.gguf");
        Cli r = Cli.run("quantize", "--model", dir.toString(), "--type", "q8_0", "--out", q8.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertContains(r.out(), "wrote " + q8, "q8_0", "Q8_0", "F32");
        assertContains(r.err(), "100% output.weight", "normalizer (NFC) is not stored");
        Cli b = Cli.run("quantize", "--model", dir.toString(), "--type", "bf16", "--out", bf16.toString());
        assertEquals(0, b.exitCode(), b.toString());
    }

    @Test
    void aSingleGgufFileGenerates() throws Exception {
        Cli fromDir = Cli.run("generate", "--model", dir.toString(), "--prompt", "Hello there", "--gen-length", "32",
                "--backend", "cpu", "--output", "json");
        Cli fromGguf = Cli.run("generate", "--model", bf16.toString(), "--prompt", "Hello there", "--gen-length", "32",
                "--backend", "cpu", "--output", "json");
        assertEquals(0, fromDir.exitCode(), fromDir.toString());
        assertEquals(0, fromGguf.exitCode(), fromGguf.toString());
        ObjectMapper json = new ObjectMapper();
        JsonNode a = json.readTree(fromDir.out());
        JsonNode b = json.readTree(fromGguf.out());
        assertEquals(a.get("prompt_length"), b.get("prompt_length"), "the GGUF vocabulary tokenizes like tokenizer.json");
        assertEquals(a.get("generated_ids"), b.get("generated_ids"), "a BF16 GGUF generates what its directory generates");
        assertEquals(a.get("text"), b.get("text"));
        Cli quantized = Cli.run("generate", "--model", q8.toString(), "--prompt", "Hello there", "--gen-length", "32");
        assertEquals(0, quantized.exitCode(), quantized.toString());
    }

    @Test
    void profilesPlaceQuantizedModels() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Cli single = Cli.run("generate", "--model", q8.toString(), "--prompt-ids", "5,6,7,8", "--gen-length", "32",
                "--backend", "cpu", "--output", "json");
        assertEquals(0, single.exitCode(), single.toString());
        for (String profile : new String[] {"cpu2-layer-split", "cpu2-expert-parallel"}) {
            Cli placed = Cli.run("generate", "--model", q8.toString(), "--prompt-ids", "5,6,7,8", "--gen-length", "32",
                    "--profile", profile, "--output", "json");
            assertEquals(0, placed.exitCode(), placed.toString());
            assertEquals(json.readTree(single.out()).get("generated_ids"), json.readTree(placed.out()).get("generated_ids"),
                    profile + ": the placement computes what one device computes");
        }
    }

    @Test
    void tokenizeInfoAndPlanReadTheFile() {
        Cli t1 = Cli.run("tokenize", "--model", dir.toString(), "--text", "The quick brown fox, 42 times!");
        Cli t2 = Cli.run("tokenize", "--model", q8.toString(), "--text", "The quick brown fox, 42 times!");
        assertEquals(0, t2.exitCode(), t2.toString());
        assertEquals(t1.out(), t2.out());
        Cli info = Cli.run("info", "--model", q8.toString());
        assertEquals(0, info.exitCode(), info.toString());
        assertContains(info.out(), "GGUF v3", "Q8_0", "general.architecture=llada2", "general.file_type=7",
                "tie_word_embeddings = false: output.weight exists", "use_qk_norm = true: blk.0.attn_q_norm.weight exists");
        Cli plan = Cli.run("plan", "--model", q8.toString(), "--profile", "cpu");
        assertEquals(0, plan.exitCode(), plan.toString());
        assertContains(plan.out(), "Q8_0");
        Cli planned = Cli.run("plan", "--model", dir.toString(), "--profile", "cpu", "--quantize", "q4_k_m");
        assertEquals(0, planned.exitCode(), planned.toString());
        assertContains(planned.out(), "weights planned as `llada2 quantize --type q4_k_m` writes them");
    }

    @Test
    void badFilesAndFlags() throws Exception {
        Path cut = tmp.resolve("cut.gguf");
        byte[] bytes = Files.readAllBytes(q8);
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        for (String command : new String[] {"info", "generate"}) {
            Cli r = command.equals("info") ? Cli.run("info", "--model", cut.toString())
                    : Cli.run("generate", "--model", cut.toString(), "--prompt-ids", "1,2");
            assertEquals(3, r.exitCode(), r.toString());
            assertContains(r.err(), "llada2: error: " + cut, "past the end of the file");
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
        Cli exists = Cli.run("quantize", "--model", dir.toString(), "--type", "q8_0", "--out", q8.toString());
        assertEquals(2, exists.exitCode(), exists.toString());
        assertContains(exists.err(), "exists; pass --force");
        Cli type = Cli.run("quantize", "--model", dir.toString(), "--type", "q5_k", "--out", tmp.resolve("x.gguf").toString());
        assertEquals(2, type.exitCode(), type.toString());
        assertContains(type.err(), "--type must be q8_0, q4_k_m or bf16, not 'q5_k'");
        Cli self = Cli.run("quantize", "--model", q8.toString(), "--type", "q8_0", "--out", q8.toString(), "--force");
        assertEquals(2, self.exitCode(), self.toString());
        assertContains(self.err(), "is the model being read");
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".partial")), "no partial files left");
        }
    }
}
