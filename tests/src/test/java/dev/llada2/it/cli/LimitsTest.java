package dev.llada2.it.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.llada2.testing.Messages.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Requests beyond what a model can do are refused with both numbers, or run with a warning when asked. */
class LimitsTest {

    @TempDir
    Path tmp;

    @Test
    void aPromptBeyondTheContextIsRefusedUnlessAllowed() {
        Path model = tmp.resolve("ctx64");
        assertEquals(0, Cli.run("init-random", "--set", "max_position_embeddings=64", "--out", model.toString()).exitCode());
        String ids = IntStream.rangeClosed(1, 60).mapToObj(Integer::toString).collect(Collectors.joining(","));
        Cli refused = Cli.run("generate", "--model", model.toString(), "--prompt-ids", ids, "--gen-length", "16",
                "--backend", "cpu");
        assertEquals(3, refused.exitCode(), refused.toString());
        assertContains(refused.err(), "the prompt (60 tokens) and --gen-length 16 need 96 positions",
                "more than the model's context of 64 (max_position_embeddings)", "--allow-long-context");
        Cli bench = Cli.run("bench", "--model", model.toString(), "--prompt-length", "60", "--gen-length", "16",
                "--runs", "1", "--warmup", "0", "--backend", "cpu");
        assertEquals(3, bench.exitCode(), bench.toString());
        assertContains(bench.err(), "more than the model's context of 64");
        Cli allowed = Cli.run("generate", "--model", model.toString(), "--prompt-ids", ids, "--gen-length", "16",
                "--backend", "cpu", "--allow-long-context");
        assertEquals(0, allowed.exitCode(), allowed.toString());
        assertContains(allowed.err(), "warning: the prompt (60 tokens)", "running anyway");
        Cli fits = Cli.run("generate", "--model", model.toString(), "--prompt-ids", "1,2,3", "--gen-length", "16",
                "--backend", "cpu");
        assertEquals(0, fits.exitCode(), fits.toString());
    }
}
