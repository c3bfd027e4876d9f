package dev.llada2.it.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.it.cli.Cli;
import dev.llada2.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Concurrency over real HTTP on the shared small model (prompts of token ids): 16 clients x 3
 * requests, streamed and not, all answered with exactly what {@code llada2 generate} writes; the
 * queue bound (429); a client that disconnects cancels its generation; the request timeout stops a
 * running and a queued request (504); stopping the server answers both 503. The long generations
 * these need run without the KV cache in blocks of one token (thousands of forwards over a growing
 * window: 500 of them take 40 s here, 4000 far longer), so each is certainly still running while the
 * test acts; the test waits on states reported by /metrics, never on time.
 */
class ServeConcurrencyTest {

    static final String SMALL = SharedData.model("small").toString();
    static final String COMPLETIONS = "/v1/completions";
    /** A generation that runs for minutes unless cancelled: 4000 one-token blocks, no KV cache, no EOS. */
    static final String LONG = "{\"prompt\": [1, 2, 3], \"max_tokens\": 4000, \"block_length\": 1, \"ignore_eos\": true";

    @Test
    void sixteenClientsThreeRequestsEachAllAnsweredExactly() throws Exception {
        int clients = 16;
        int rounds = 3;
        List<List<Integer>> prompts = new ArrayList<>();
        List<List<Integer>> expected = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            List<Integer> p = new ArrayList<>();
            for (int i = 0; i < 3 + c % 5; i++) {
                p.add(1 + (c * 37 + i * 11) % 400);
            }
            prompts.add(p);
            expected.add(generate(p, 12));
        }
        try (RunningServer server = RunningServer.start("--model", SMALL, "--backend", "cpu", "--quiet");
             ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            Http http = new Http(server.base);
            List<Future<List<String>>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    List<String> problems = new ArrayList<>();
                    for (int r = 0; r < rounds; r++) {
                        boolean stream = (client + r) % 2 == 1;
                        String body = "{\"prompt\": " + prompts.get(client) + ", \"max_tokens\": 12, \"stream\": "
                                + stream + "}";
                        Http.Response resp = http.post(COMPLETIONS, body);
                        List<Integer> got = resp.status() == 200 ? answerIds(resp, stream) : null;
                        if (!expected.get(client).equals(got)) {
                            problems.add("client " + client + " request " + r + ": expected " + expected.get(client)
                                    + ", got " + resp);
                        }
                    }
                    return problems;
                }));
            }
            List<String> problems = new ArrayList<>();
            for (Future<List<String>> f : results) {
                problems.addAll(f.get(10, TimeUnit.MINUTES));
            }
            assertEquals(List.of(), problems);
            assertEquals(clients * rounds, http.metric("llada2_requests_total{endpoint=\"/v1/completions\",status=\"200\"}"));
            assertEquals(0, http.metric("llada2_queue_depth"));
        }
    }

    @Test
    void queueBoundThenDisconnectCancelsTheRunningGeneration() throws Exception {
        try (RunningServer server = RunningServer.start("--model", SMALL, "--backend", "cpu", "--max-queue", "1",
                "--no-kv-cache")) {
            Http http = new Http(server.base);
            CompletableFuture<Http.Response> queued;
            try (Socket a = new Socket("127.0.0.1", server.base.getPort())) {
                String body = LONG + ", \"stream\": true}";
                OutputStream out = a.getOutputStream();
                out.write(("POST " + COMPLETIONS + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(a.getInputStream(), StandardCharsets.UTF_8));
                String line;
                do {
                    line = in.readLine();
                    assertTrue(line != null, "the stream ended before its first block");
                } while (!line.contains("\"token_ids\""));
                // A is generating (it streamed a block); B waits in the queue; C finds the queue full.
                queued = http.postAsync(COMPLETIONS, "{\"prompt\": [5, 6, 7], \"max_tokens\": 2}");
                http.awaitMetric("llada2_queue_depth", 1);
                Http.Response refused = http.post(COMPLETIONS, "{\"prompt\": [8, 9], \"max_tokens\": 2}");
                ServeBadInputTest.assertError(refused, 429, null, "--max-queue 1");
                assertEquals("queue_full", refused.json().at("/error/code").asText());
                assertEquals("1", refused.raw().headers().firstValue("Retry-After").orElse(""));
                assertEquals(1, http.metric("llada2_generation_active"));
            }
            // A's client is gone: its generation stops before its next forward and B runs.
            Http.Response b = queued.get(5, TimeUnit.MINUTES);
            assertEquals(200, b.status(), b.toString());
            assertEquals(generate(List.of(5, 6, 7), 2), answerIds(b, false));
            http.awaitMetric("llada2_cancelled_total{reason=\"client_disconnected\"}", 1);
            assertEquals(1, http.metric("llada2_requests_total{endpoint=\"/v1/completions\",status=\"499\"}"));
            assertEquals(1, http.metric("llada2_requests_total{endpoint=\"/v1/completions\",status=\"429\"}"));
            assertTrue(http.metric("llada2_generated_tokens_total") < 4000 + 2, "A stopped early");
            assertTrue(server.log().contains("client disconnected"), server.log());
        }
    }

    @Test
    void requestTimeoutStopsRunningAndQueuedRequests() throws Exception {
        try (RunningServer server = RunningServer.start("--model", SMALL, "--backend", "cpu", "--request-timeout", "2",
                "--no-kv-cache")) {
            Http http = new Http(server.base);
            CompletableFuture<Http.Response> running = http.postAsync(COMPLETIONS, LONG + "}");
            http.awaitMetric("llada2_generation_active", 1);
            // Not streamed: whether its deadline passes while it waits or just after the running request's
            // cancellation lets it start (a race that faster forwards decide either way), the answer is a 504.
            CompletableFuture<Http.Response> waiting = http.postAsync(COMPLETIONS, LONG + "}");
            Http.Response a = running.get(5, TimeUnit.MINUTES);
            ServeBadInputTest.assertError(a, 504, null, "--request-timeout 2 s");
            Http.Response b = waiting.get(5, TimeUnit.MINUTES);
            ServeBadInputTest.assertError(b, 504, null, "--request-timeout 2 s");

            // A streamed answer that times out while running: its events end with an error event and [DONE].
            Http.Response c = http.post(COMPLETIONS, LONG + ", \"stream\": true}");
            assertEquals(200, c.status(), c.toString());
            List<String> events = c.events();
            assertEquals("[DONE]", events.getLast());
            JsonNode error = Http.JSON.readTree(events.get(events.size() - 2)).get("error");
            assertEquals("request_timeout", error.get("code").asText(), c.toString());
            assertEquals(3, http.metric("llada2_cancelled_total{reason=\"timeout\"}"));
        }
    }

    @Test
    void stoppingTheServerAnswersTheRunningAndTheQueuedRequest() throws Exception {
        RunningServer server = RunningServer.start("--model", SMALL, "--backend", "cpu", "--no-kv-cache");
        Http http = new Http(server.base);
        CompletableFuture<Http.Response> running = http.postAsync(COMPLETIONS, LONG + "}");
        http.awaitMetric("llada2_generation_active", 1);
        CompletableFuture<Http.Response> waiting = http.postAsync(COMPLETIONS, LONG + "}");
        http.awaitMetric("llada2_queue_depth", 1);
        server.close();
        ServeBadInputTest.assertError(running.get(5, TimeUnit.MINUTES), 503, null, "shutting down");
        ServeBadInputTest.assertError(waiting.get(5, TimeUnit.MINUTES), 503, null, "shutting down");
    }

    /** The answer's token ids: from {@code choices[0].token_ids}, or concatenated from the streamed chunks. */
    static List<Integer> answerIds(Http.Response r, boolean stream) throws Exception {
        List<Integer> ids = new ArrayList<>();
        if (!stream) {
            r.json().at("/choices/0/token_ids").forEach(v -> ids.add(v.asInt()));
            return ids;
        }
        List<String> events = r.events();
        assertEquals("[DONE]", events.getLast(), r.toString());
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode chunk = Http.JSON.readTree(e);
            chunk.at("/choices/0/token_ids").forEach(v -> ids.add(v.asInt()));
        }
        return ids;
    }

    /** {@code llada2 generate --prompt-ids ... --output json}: the generated ids. */
    static List<Integer> generate(List<Integer> prompt, int genLength) throws Exception {
        Cli r = Cli.run("generate", "--model", SMALL, "--backend", "cpu", "--output", "json", "--quiet",
                "--prompt-ids", prompt.stream().map(String::valueOf).collect(Collectors.joining(",")),
                "--gen-length", Integer.toString(genLength));
        assertEquals(0, r.exitCode(), r.toString());
        List<Integer> ids = new ArrayList<>();
        Http.JSON.readTree(r.out()).get("generated_ids").forEach(v -> ids.add(v.asInt()));
        return ids;
    }
}
