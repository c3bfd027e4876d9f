package dev.llada2.it.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llada2.testing.Golden;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every greedy golden case and every joint-threshold (edit) case through {@code llada2 generate ...
 * --output json --trace FILE}, with and without the KV cache: the returned ids, the forward count (and
 * the edit count) and every trace line (block, step, committed positions and tokens, path; for edits
 * also the T2T positions with old and new tokens and the action) equal the reference's.
 */
class GenerateCommandGoldenTest {

    @TempDir
    Path tmp;

    @TestFactory
    List<DynamicTest> greedyCasesThroughTheCli() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : Golden.MODELS) {
            Golden g = Golden.of(model);
            for (JsonNode c : g.generateCases()) {
                if (!c.get("sampler").asText().equals("greedy")) {
                    continue;
                }
                for (boolean cache : new boolean[] {true, false}) {
                    tests.add(DynamicTest.dynamicTest(model + "/" + c.get("id").asText() + (cache ? "" : "/no-kv-cache"),
                            () -> check(g, c, cache)));
                }
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> editCasesThroughTheCli() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : Golden.MODELS) {
            Golden g = Golden.of(model);
            for (JsonNode c : g.editCases()) {
                for (boolean cache : new boolean[] {true, false}) {
                    tests.add(DynamicTest.dynamicTest(model + "/" + c.get("id").asText() + (cache ? "" : "/no-kv-cache"),
                            () -> checkEdit(g, c, cache)));
                }
            }
        }
        return tests;
    }

    /**
     * {@code --decoding joint} with the case's thresholds, budget and penalty; EOS early stop left on
     * (the CLI default), since under the joint rule a block always runs to its end.
     */
    private void checkEdit(Golden g, JsonNode c, boolean cache) throws Exception {
        Generated r = generate(g, c, c.get("eos_id").asInt(), cache, List.of("--gen-length",
                c.get("gen_length").asText(), "--block-length", c.get("block_length").asText(), "--decoding", "joint",
                "--threshold", c.get("threshold").asText(), "--edit-threshold", c.get("edit_threshold").asText(),
                "--max-post-edit-steps", c.get("max_post_edit_steps").asText(),
                "--penalty-lambda", c.get("penalty_lambda").asText(), "--mask-id", c.get("mask_id").asText()));
        assertEquals(c.get("n_forwards").asInt(), r.out().get("forwards").asInt(), "forwards");
        assertEquals(c.get("n_t2t_edits").asInt(), r.out().get("edits").asInt(), "edits");
        assertEquals("joint", r.out().at("/options/decoding").asText());
        r.traceMatches(c, (want, got, at) -> {
            assertEquals(want.get("iteration"), got.get("step"), at + "iteration");
            assertEquals(want.get("m2t_positions"), got.get("committed_positions"), at + "M2T positions");
            assertEquals(want.get("m2t_tokens"), got.get("committed_tokens"), at + "M2T tokens");
            for (String field : List.of("t2t_positions", "t2t_old", "t2t_new", "action")) {
                assertEquals(want.get(field), got.get(field), at + field);
            }
        });
    }

    private void check(Golden g, JsonNode c, boolean cache) throws Exception {
        JsonNode k = c.get("generate_kwargs");
        List<String> decoding = new ArrayList<>(List.of("--gen-length", k.get("gen_length").asText(),
                "--block-length", k.get("block_length").asText(), "--steps", k.get("steps").asText(),
                "--threshold", k.get("threshold").asText(), "--minimal-topk", k.get("minimal_topk").asText(),
                "--mask-id", k.get("mask_id").asText()));
        if (!k.get("eos_early_stop").asBoolean()) {
            decoding.add("--no-eos-early-stop");
        }
        Generated r = generate(g, c, k.get("eos_id").asInt(), cache, decoding);
        assertEquals(c.get("n_forward_calls").asInt(), r.out().get("forwards").asInt(), "forwards");
        assertEquals(r.out().get("generated_ids").size() / (double) r.out().get("forwards").asInt(),
                r.out().get("tokens_per_forward").asDouble(), 1e-9);
        r.traceMatches(c, (want, got, at) -> {
            for (String field : List.of("step", "committed_positions", "committed_tokens", "path")) {
                assertEquals(want.get(field), got.get(field), at + field);
            }
        });
    }

    /** What {@code generate --output json --trace FILE} wrote. */
    private record Generated(JsonNode out, List<JsonNode> trace) {

        /** One trace line per recorded forward, each with the recorded block and what {@code check} compares. */
        void traceMatches(JsonNode c, TraceCheck check) {
            assertEquals(c.get("steps").size(), trace.size(), "one trace line per forward");
            for (int j = 0; j < trace.size(); j++) {
                JsonNode want = c.get("steps").get(j);
                assertEquals(want.get("block"), trace.get(j).get("block"), "forward " + j + " block");
                check.check(want, trace.get(j), "forward " + j + " ");
            }
        }
    }

    private interface TraceCheck {
        void check(JsonNode want, JsonNode got, String at);
    }

    /**
     * Runs {@code generate} on the CPU with the case's prompt, its EOS id (-1: {@code --no-eos}), the
     * cache on or off and the given decoding flags; checks the exit code and the returned ids.
     */
    private Generated generate(Golden g, JsonNode c, int eosId, boolean cache, List<String> decoding) throws Exception {
        Path trace = tmp.resolve(c.get("id").asText() + cache + ".jsonl");
        List<String> args = new ArrayList<>(List.of("generate", "--model", g.modelDir().toString(), "--backend", "cpu",
                "--prompt-ids", Arrays.stream(Golden.ints(c.get("prompt"))).mapToObj(Integer::toString)
                        .collect(Collectors.joining(",")), "--output", "json", "--trace", trace.toString(), "--quiet"));
        args.addAll(decoding);
        args.addAll(eosId < 0 ? List.of("--no-eos") : List.of("--eos-id", Integer.toString(eosId)));
        if (!cache) {
            args.add("--no-kv-cache");
        }
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.toString());
        ObjectMapper json = new ObjectMapper();
        JsonNode out = json.readTree(r.out());
        assertArrayEquals(Golden.ints(c.get("generated_ids")), Golden.ints(out.get("generated_ids")), "generated_ids");
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(trace)) {
            lines.add(json.readTree(line));
        }
        return new Generated(out, lines);
    }
}
