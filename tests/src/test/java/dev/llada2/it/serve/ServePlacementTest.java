package dev.llada2.it.serve;

import dev.llada2.it.cli.Cli;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code llada2 serve --profile}: the server runs on a multi-device placement like {@code generate}
 * does (the engine comes from the same options); here a two-CPU-device layer split of the small
 * model, answers streamed and not equal to {@code generate --profile} with the same prompt.
 */
class ServePlacementTest {

    @Test
    void layerSplitProfileAnswersAsGenerateDoes() throws Exception {
        String profile = "cpu2-layer-split";
        Cli r = Cli.run("generate", "--model", ServeConcurrencyTest.SMALL, "--profile", profile, "--output", "json",
                "--quiet", "--prompt-ids", "11,12,13,14,15", "--gen-length", "40", "--block-length", "16");
        assertEquals(0, r.exitCode(), r.toString());
        List<Integer> want = new ArrayList<>();
        Http.JSON.readTree(r.out()).get("generated_ids").forEach(v -> want.add(v.asInt()));
        try (RunningServer server = RunningServer.start("--model", ServeConcurrencyTest.SMALL, "--profile", profile,
                "--block-length", "16")) {
            assertTrue(server.log().contains("profile " + profile), server.log());
            Http http = new Http(server.base);
            for (boolean stream : new boolean[] {false, true}) {
                Http.Response resp = http.post("/v1/completions", "{\"prompt\": [11, 12, 13, 14, 15], \"max_tokens\": 40,"
                        + " \"stream\": " + stream + "}");
                assertEquals(200, resp.status(), resp.toString());
                assertEquals(want, ServeConcurrencyTest.answerIds(resp, stream), "stream " + stream);
            }
            assertTrue(http.get("/health").json().get("engine").asText().contains("cpu"), http.get("/health").body());
        }
    }
}
