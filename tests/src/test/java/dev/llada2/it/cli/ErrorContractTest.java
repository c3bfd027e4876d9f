package dev.llada2.it.cli;

import dev.llada2.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.llada2.testing.Messages.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The README's exit codes: 2 for a bad option value (named, and reported before any banner), 3 for a
 * bad input file (naming the key), 4 for a runtime problem.
 */
class ErrorContractTest {

    static final String TINY = SharedData.model("tiny").toString();

    @TempDir
    Path tmp;

    private static void assertUsage(Cli r, String message) {
        assertEquals(2, r.exitCode(), r.toString());
        assertContains(r.err(), message);
        assertFalse(r.err().contains("llada2: TornadoVM") || r.err().contains("engine requested")
                || r.err().contains("using the CPU engine") || r.err().contains("writing"), "no banner: " + r.err());
    }

    @Test
    void badOptionValuesExitWith2BeforeAnyBanner() {
        assertUsage(Cli.run("generate", "--model", TINY, "--prompt-ids", "1", "--device", "gpu0"),
                "--device: device \"gpu0\" is not valid");
        assertUsage(Cli.run("generate", "--model", TINY, "--prompt-ids", "1", "--backend", "cuda"),
                "--backend must be cpu, tornado or auto, not \"cuda\"");
        assertUsage(Cli.run("generate", "--model", TINY, "--prompt-ids", "1", "--profile", "pocl2-layer-split",
                "--device", "cpu"), "--profile places the model itself");
        assertUsage(Cli.run("generate", "--model", TINY, "--prompt-ids", "1", "--mask-id", "99999"),
                "--mask-id 99999 is outside the model's vocabulary 0..511");
        assertUsage(Cli.run("generate", "--model", TINY, "--prompt-ids", "1", "--eos-id", "512"),
                "--eos-id 512 is outside the model's vocabulary 0..511");
        assertUsage(Cli.run("bench", "--model", TINY, "--eos-id", "600", "--runs", "1"), "--eos-id 600 is outside");
        assertUsage(Cli.run("forward", "--model", TINY, "--ids", "1", "--device", "tornado:x", "--out",
                tmp.resolve("f.safetensors").toString()), "--device: device \"tornado:x\" is not valid");
        String out = tmp.resolve("m").toString();
        assertUsage(Cli.run("init-random", "--preset", "huge", "--out", out), "unknown preset \"huge\"");
        assertUsage(Cli.run("init-random", "--layers", "0", "--out", out), "--layers must be >= 1, got 0");
        assertUsage(Cli.run("init-random", "--shards", "0", "--out", out), "--shards must be >= 1, got 0");
        assertUsage(Cli.run("init-random", "--set", "hidden_size=abc", "--out", out), "--set hidden_size=abc: the value is not JSON");
        assertFalse(Files.exists(tmp.resolve("m")));
    }

    @Test
    void aBadConfigExitsWith3NamingTheKey() throws Exception {
        Path bert = copyOfTiny("bert");
        Files.writeString(bert.resolve("config.json"), Files.readString(bert.resolve("config.json"))
                .replaceFirst("\"model_type\": *\"[^\"]*\"", "\"model_type\": \"bert\""));
        Cli r = Cli.run("info", "--model", bert.toString());
        assertEquals(3, r.exitCode(), r.toString());
        assertContains(r.err(), "unsupported model_type \"bert\"");
        Path noLayers = copyOfTiny("no-layers");
        Files.writeString(noLayers.resolve("config.json"), Files.readString(noLayers.resolve("config.json"))
                .replaceFirst("\"num_hidden_layers\": *\\d+,", ""));
        Cli missing = Cli.run("info", "--model", noLayers.toString());
        assertEquals(3, missing.exitCode(), missing.toString());
        assertContains(missing.err(), "\"num_hidden_layers\" is missing");
        assertFalse(missing.err().contains("missing tensors"), missing.err());
    }

    @Test
    void ioErrorsSayWhy() throws Exception {
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "x");
        Path dirModel = copyOfTiny("dir-model");
        Files.delete(dirModel.resolve("model.safetensors"));
        Files.createDirectory(dirModel.resolve("model.safetensors"));
        Cli dir = Cli.run("info", "--model", dirModel.toString());
        assertEquals(3, dir.exitCode(), dir.toString());
        assertContains(dir.err(), "model.safetensors: cannot map: it is a directory, a file is expected");
        Cli underFile = Cli.run("info", "--model", file.resolve("m").toString());
        assertEquals(3, underFile.exitCode(), underFile.toString());
        assertContains(underFile.err(), "not a directory: " + file + " is a file");
        Cli trace = Cli.run("generate", "--model", TINY, "--prompt-ids", "1,2", "--trace",
                tmp.resolve("no/t.jsonl").toString());
        assertUsage(trace, "--trace " + tmp.resolve("no/t.jsonl") + ": no such directory: " + tmp.resolve("no"));
        Cli traceOnModel = Cli.run("generate", "--model", TINY, "--prompt-ids", "1,2", "--trace",
                SharedData.model("tiny").resolve("config.json").toString());
        assertUsage(traceOnModel, "is the model being read or one of its files");
        Path tokenizer = SharedData.tokenizers().resolve("qwen3/tokenizer.json");
        Path input = tmp.resolve("in.jsonl");
        Files.write(input, new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', 'a', '"', '}', '\n',
                '{', '"', 't', 'e', 'x', 't', '"', ':', '"', 'a', (byte) 0xC3, '(', '"', '}', '\n'});
        Cli utf8 = Cli.run("tokenize", "--tokenizer", tokenizer.toString(), "--input", input.toString());
        assertEquals(3, utf8.exitCode(), utf8.toString());
        assertContains(utf8.err(), "--input " + input + ": line 2 is not valid UTF-8: byte offset 23 in the file"
                + " (byte 11 of the line) starts the invalid sequence c3");
        Cli inputDir = Cli.run("tokenize", "--tokenizer", tokenizer.toString(), "--input", tmp.toString());
        assertEquals(3, inputDir.exitCode(), inputDir.toString());
        assertContains(inputDir.err(), "cannot read: it is a directory, a file is expected");
    }

    @Test
    void errorsSuggestOnlyWhatTheCommandHas() {
        Cli chat = Cli.run("chat", "--model", TINY);
        assertEquals(3, chat.exitCode(), chat.toString());
        assertContains(chat.err(), "chat needs a tokenizer", "`llada2 generate --prompt-ids ID,...`");
        Cli tokenize = Cli.run("tokenize", "--model", TINY, "--text", "hi");
        assertEquals(3, tokenize.exitCode(), tokenize.toString());
        assertContains(tokenize.err(), "needs a tokenizer. Pass --tokenizer FILE.");
        assertFalse(tokenize.err().contains("--prompt-ids"), tokenize.err());
        Cli generate = Cli.run("generate", "--model", TINY, "--prompt", "hi");
        assertContains(generate.err(), "--prompt needs a tokenizer", "give token ids (--prompt-ids)");
    }

    private Path copyOfTiny(String name) throws Exception {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        try (var files = Files.list(SharedData.model("tiny"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }
}
