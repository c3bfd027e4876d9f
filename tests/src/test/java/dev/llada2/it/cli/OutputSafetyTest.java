package dev.llada2.it.cli;

import dev.llada2.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.llada2.testing.Messages.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commands that write models or results: never a half-written file (a write is renamed into place
 * when complete), nothing replaced without {@code --force}, never a file of the model being read,
 * and the disk space checked before the work.
 */
class OutputSafetyTest {

    static final Path TINY = SharedData.model("tiny");

    @TempDir
    Path tmp;

    @Test
    void anInterruptedInitRandomLeavesNoHalfWrittenModel() throws Exception {
        Path out = tmp.resolve("mini1");
        try (Launched p = Launched.start(tmp, "init-random", "--preset", "mini", "--layers", "1", "--out", out.toString())) {
            assertTrue(p.awaitWhileRunning(() -> names(out).stream().anyMatch(n -> n.endsWith(".partial"))),
                    "the model is being written under a temporary name");
            p.interrupt();
            assertEquals(130, p.waitFor(), "Ctrl-C exits with 128 + SIGINT");
        }
        assertEquals(List.of(), names(out), "neither the model, nor config.json, nor the temporary file is left");
    }

    @Test
    void anInterruptedGenerateKeepsItsTraceAndOutputSoFar() throws Exception {
        Path trace = tmp.resolve("steps.jsonl");
        try (Launched p = Launched.start(tmp, "generate", "--model", TINY.toString(), "--prompt-ids", "1,2,3",
                "--gen-length", "4000", "--no-eos", "--backend", "cpu", "--trace", trace.toString())) {
            assertTrue(p.awaitWhileRunning(() -> lines(trace).size() >= 3 && tmp.resolve("stdout.txt").toFile().length() > 0),
                    "forwards are traced, and tokens printed, as they happen");
            p.interrupt();
            assertEquals(130, p.waitFor(), "Ctrl-C exits with 128 + SIGINT: " + p.stderr());
        }
        List<String> steps = lines(trace);
        assertTrue(steps.size() >= 3, "the forwards done are in the trace: " + steps.size());
        for (String line : steps) {
            assertTrue(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line).has("committed_tokens"),
                    "every line is a complete JSON record: " + line);
        }
        assertTrue(Files.readString(tmp.resolve("stdout.txt")).matches("\\d+(,\\d+)*,?\\s*"),
                "the ids streamed before the interrupt are on stdout");
    }

    @Test
    void initRandomRefusesANonEmptyDirectoryWithoutForce() throws Exception {
        Path out = tmp.resolve("model");
        assertEquals(0, Cli.run("init-random", "--out", out.toString()).exitCode());
        byte[] before = Files.readAllBytes(out.resolve("model.safetensors"));
        Cli again = Cli.run("init-random", "--seed", "5", "--out", out.toString());
        assertEquals(2, again.exitCode(), again.toString());
        assertContains(again.err(), "--out " + out + " is not empty; pass --force");
        assertFalse(again.err().contains("writing"), "refused before the banner: " + again.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(out.resolve("model.safetensors"))), "untouched");
        Cli forced = Cli.run("init-random", "--seed", "5", "--out", out.toString(), "--force");
        assertEquals(0, forced.exitCode(), forced.toString());
        assertFalse(java.util.Arrays.equals(before, Files.readAllBytes(out.resolve("model.safetensors"))), "replaced");
        assertEquals(List.of("config.json", "model.safetensors"), names(out));
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "x");
        Cli onFile = Cli.run("init-random", "--out", file.toString());
        assertEquals(2, onFile.exitCode(), onFile.toString());
        assertContains(onFile.err(), "--out " + file + " is a file; give a directory");
        Cli underFile = Cli.run("init-random", "--out", file.resolve("m").toString());
        assertEquals(2, underFile.exitCode(), underFile.toString());
        assertContains(underFile.err(), "not a directory: " + file + " is a file");
    }

    @Test
    void forwardNeverWritesOverTheModelAndReplacesOnlyWithForce() throws Exception {
        Path model = tmp.resolve("model");
        assertEquals(0, Cli.run("init-random", "--out", model.toString()).exitCode());
        Path shard = model.resolve("model.safetensors");
        byte[] before = Files.readAllBytes(shard);
        Cli onShard = Cli.run("forward", "--model", model.toString(), "--ids", "1,2", "--out", shard.toString(), "--force");
        assertEquals(2, onShard.exitCode(), onShard.toString());
        assertContains(onShard.err(), "is the model being read or one of its files");
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(shard)), "the checkpoint is untouched");
        Path out = tmp.resolve("fwd.safetensors");
        Files.writeString(out, "an earlier result");
        Cli exists = Cli.run("forward", "--model", model.toString(), "--ids", "1,2", "--out", out.toString());
        assertEquals(2, exists.exitCode(), exists.toString());
        assertContains(exists.err(), "--out " + out + " exists; pass --force to replace it");
        assertEquals("an earlier result", Files.readString(out));
        Cli forced = Cli.run("forward", "--model", model.toString(), "--ids", "1,2", "--out", out.toString(), "--force");
        assertEquals(0, forced.exitCode(), forced.toString());
        assertTrue(Files.size(out) > 1000);
        Cli noDir = Cli.run("forward", "--model", model.toString(), "--ids", "1,2", "--out",
                tmp.resolve("no/such/fwd.safetensors").toString());
        assertEquals(2, noDir.exitCode(), noDir.toString());
        assertContains(noDir.err(), "no such directory: " + tmp.resolve("no"));
    }

    @Test
    void initRandomChecksTheDiskSpaceBeforeWriting() {
        Path out = tmp.resolve("huge");
        Cli r = Cli.run("init-random", "--set", "hidden_size=1000000000", "--layers", "100", "--out", out.toString());
        assertEquals(4, r.exitCode(), r.toString());
        assertContains(r.err(), "not enough disk space to write the checkpoint", "it needs ", " GB, ", "are available on");
        assertFalse(Files.exists(out), "nothing was created");
    }

    @Test
    void initRandomRefusesMoreShardsThanTheTensorsFill() {
        Cli r = Cli.run("init-random", "--shards", "1000", "--out", tmp.resolve("m").toString());
        assertEquals(2, r.exitCode(), r.toString());
        assertContains(r.err(), "--shards 1000: this model's tensors make only ", "ask for at most ");
        assertFalse(Files.exists(tmp.resolve("m")));
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> names(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
