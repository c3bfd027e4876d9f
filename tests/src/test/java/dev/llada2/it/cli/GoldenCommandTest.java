package dev.llada2.it.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.llada2.golden.GoldenManifests;
import dev.llada2.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code llada2 golden}: the golden greedy cases pass on the CPU engine, and a golden set whose
 * recorded answer differs from what the model generates fails with exit 4, naming the case.
 */
class GoldenCommandTest {

    @Test
    void greedyCasesOfTinyPassOnTheCpu() {
        Cli r = Cli.run("golden", "--golden", SharedData.golden("tiny").toString(), "--backend", "cpu",
                "--cases", "greedy");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("tiny/greedy/gen0/kv-cache") && r.out().contains("golden: all 30 cases passed"),
                r.toString());
    }

    @Test
    void aChangedRecordFailsNamingTheCase(@TempDir Path dir) throws Exception {
        Path set = Files.createDirectory(dir.resolve("tiny"));
        JsonNode manifest = GoldenManifests.read(SharedData.golden("tiny").resolve("manifest.json"));
        // gen0's first committed token becomes one outside the vocabulary, which the model cannot produce
        ((ArrayNode) manifest.get("generate_cases").get(0).get("steps").get(0).get("committed_tokens")).set(0, 99999);
        new ObjectMapper().writeValue(set.resolve("manifest.json").toFile(), manifest);
        Cli r = Cli.run("golden", "--golden", set.toString(), "--model", SharedData.model("tiny").toString(),
                "--backend", "cpu", "--cases", "greedy");
        assertEquals(4, r.exitCode(), r.toString());
        assertTrue(r.out().contains("tiny/greedy/gen0/kv-cache") && r.out().contains("FAIL")
                && r.out().contains("tokens: expected [99999"), r.toString());
        assertTrue(r.out().contains("golden: 2 of 30 cases FAILED"), r.toString());
    }

    @Test
    void aMissingSetIsBadInput(@TempDir Path dir) {
        Cli r = Cli.run("golden", "--golden", dir.resolve("none").toString());
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.err().contains("is not a folder"), r.toString());
    }
}
