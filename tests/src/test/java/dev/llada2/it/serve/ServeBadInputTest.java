package dev.llada2.it.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.it.cli.Cli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every class of bad request gets its 4xx with an OpenAI-style error object naming the field, never a
 * 500 or a stack trace; plus the API key (401), the body size limit (413), unknown endpoints (404),
 * wrong methods (405), the context limits, and the plain endpoints (/health, /v1/models, /metrics).
 * Over real HTTP on the loopback interface, on the demo model (vocabulary 640, context 4096).
 */
class ServeBadInputTest {

    static final String KEY = "k-" + Long.toHexString(0x5eed_cafeL);
    static final String CHAT = "/v1/chat/completions";
    static final String COMPLETIONS = "/v1/completions";

    @TempDir
    static Path tmp;
    static RunningServer server;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        Path demo = tmp.resolve("demo");
        Cli made = Cli.run("demo", "--dir", demo.toString(), "--gen-length", "4");
        assertEquals(0, made.exitCode(), made.toString());
        server = RunningServer.start("--model", demo.toString(), "--backend", "cpu", "--api-key", KEY,
                "--max-body-bytes", "65536", "--served-model-name", "llada2-demo");
        http = new Http(server.base, KEY);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void badJsonAndBadBodies() throws Exception {
        assertError(http.post(CHAT, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}"), 400, null,
                "not valid JSON");
        assertError(http.post(CHAT, "{\"messages\": []} trailing"), 400, null, "not valid JSON");
        assertError(http.post(CHAT, "[1, 2]"), 400, null, "JSON object");
        assertError(http.post(CHAT, ""), 400, null, "empty");
        assertError(http.post(CHAT, "{\"max_tokens\": 4, \"max_tokens\": 5, \"messages\": []}"), 400, null,
                "Duplicate field");
        assertError(http.post(CHAT, "\"just a string\""), 400, null, "JSON object");
    }

    @Test
    void wrongTypesNameTheField() throws Exception {
        assertError(chat("max_tokens", "\"16\""), 400, "max_tokens", "integer");
        assertError(chat("max_tokens", "16.5"), 400, "max_tokens", "integer");
        assertError(chat("temperature", "\"hot\""), 400, "temperature", "number");
        assertError(chat("stream", "\"yes\""), 400, "stream", "true or false");
        assertError(chat("stop", "5"), 400, "stop", "string");
        assertError(chat("stop", "[\"a\", 3]"), 400, "stop[1]", "string");
        assertError(chat("seed", "\"x\""), 400, "seed", "integer");
        assertError(chat("top_k", "1.5"), 400, "top_k", "integer");
        assertError(chat("decoding", "7"), 400, "decoding", "string");
        assertError(chat("stream_options", "[]"), 400, "stream_options", "object");
        // Fields this server does not use but knows from the OpenAI API are still type-checked.
        assertError(chat("user", "5"), 400, "user", "string");
        assertError(chat("n", "\"1\""), 400, "n", "integer");
        assertError(chat("logit_bias", "[]"), 400, "logit_bias", "object");
        assertError(post(CHAT, "{\"messages\": \"hi\"}"), 400, "messages", "array");
        assertError(post(CHAT, "{\"messages\": [\"hi\"]}"), 400, "messages[0]", "object");
        assertError(post(CHAT, "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}"), 400, "messages[0].content",
                "string");
        assertError(post(CHAT, "{\"messages\": [{\"role\": 1, \"content\": \"x\"}]}"), 400, "messages[0].role",
                "string");
        assertError(post(COMPLETIONS, "{\"prompt\": 12}"), 400, "prompt", "string or an array");
        assertError(post(COMPLETIONS, "{\"prompt\": [1, \"a\"]}"), 400, "prompt", "batches");
        assertError(post(COMPLETIONS, "{\"prompt\": [1, 2.5]}"), 400, "prompt[1]", "token id");
    }

    @Test
    void badValuesNameTheField() throws Exception {
        assertError(post(CHAT, "{\"messages\": []}"), 400, "messages", "must not be empty");
        assertError(post(CHAT, "{\"max_tokens\": 4}"), 400, "messages", "required");
        assertError(post(CHAT, "{\"messages\": [{\"role\": \"wizard\", \"content\": \"x\"}]}"), 400, "messages[0].role",
                "wizard");
        assertError(post(CHAT, "{\"messages\": [{\"role\": \"user\"}]}"), 400, "messages[0].content", "required");
        assertError(post(CHAT, "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}"), 400,
                "messages[0].content[0].type", "text");
        assertError(chat("max_tokens", "-1"), 400, "max_tokens", "[1, ");
        assertError(chat("max_tokens", "0"), 400, "max_tokens", "[1, ");
        assertError(chat("max_tokens", "1000000000"), 400, "max_tokens", "context");
        assertError(chat("max_tokens", "99999999999999999999"), 400, "max_tokens", "[1, ");
        assertError(chat("max_completion_tokens", "4, \"max_tokens\": 5"), 400, "max_completion_tokens", "differ");
        assertError(chat("temperature", "-0.5"), 400, "temperature", "[0.0, 2.0]");
        assertError(chat("top_p", "0"), 400, "top_p", "(0.0, 1.0]");
        assertError(chat("threshold", "1.5"), 400, "threshold", "[0.0, 1.0]");
        assertError(chat("block_length", "0"), 400, "block_length", "[1, 4096]");
        assertError(chat("decoding", "\"edit\""), 400, "decoding", "threshold\" or \"joint");
        assertError(chat("edit_threshold", "0.5"), 400, "edit_threshold", "joint");
        assertError(chat("steps", "4, \"decoding\": \"joint\""), 400, "steps", "threshold");
        assertError(chat("stop", "[\"a\", \"b\", \"c\", \"d\", \"e\"]"), 400, "stop", "at most 4");
        assertError(chat("stop", "\"\""), 400, "stop", "empty");
        assertError(chat("n", "2"), 400, "n", "[1, 1]");
        assertError(chat("presence_penalty", "0.5"), 400, "presence_penalty", "not supported");
        assertError(chat("logprobs", "true"), 400, "logprobs", "not supported");
        assertError(chat("tools", "[{\"type\": \"function\"}]"), 400, "tools", "not supported");
        assertError(chat("response_format", "{\"type\": \"json_object\"}"), 400, "response_format.type", "text");
        assertError(chat("model", "\"gpt-4o\""), 400, "model", "gpt-4o");
        assertEquals("model_not_found", chat("model", "\"gpt-4o\"").json().at("/error/code").asText());
    }

    @Test
    void tokenIdsOutsideTheVocabularyAndPromptsTooLong() throws Exception {
        assertError(post(COMPLETIONS, "{\"prompt\": [1, 640]}"), 400, "prompt[1]", "outside the vocabulary [0, 640)");
        assertError(post(COMPLETIONS, "{\"prompt\": [-3]}"), 400, "prompt[0]", "outside the vocabulary");
        assertError(post(COMPLETIONS, "{\"prompt\": [1, 99999999999]}"), 400, "prompt[1]", "outside the vocabulary");
        int mask = Http.JSON.readTree(tmp.resolve("demo/config.json").toFile()).get("mask_token_id").asInt();
        assertError(post(COMPLETIONS, "{\"prompt\": [1, " + mask + "]}"), 400, "prompt[1]", "mask token");
        assertError(post(COMPLETIONS, "{\"prompt\": []}"), 400, "prompt", "empty");
        assertError(post(COMPLETIONS, "{\"prompt\": \"\"}"), 400, "prompt", "empty");
        ObjectNode tooLong = Http.JSON.createObjectNode();
        var ids = tooLong.putArray("prompt");
        for (int i = 0; i < 4096; i++) {
            ids.add(1 + i % 200);
        }
        assertError(http.post(COMPLETIONS, tooLong), 400, "prompt", "context of 4096");
        tooLong.put("max_tokens", 8);
        ids.removeAll();
        for (int i = 0; i < 4090; i++) {
            ids.add(1 + i % 200);
        }
        // 4090 + 8 does not fit in whole blocks of 32 within 4096 positions: at most 4096 - 4090 = 6 fit.
        assertError(http.post(COMPLETIONS, tooLong), 400, "max_tokens", "at most 6");
    }

    @Test
    void authBodyLimitRoutesAndMethods() throws Exception {
        Http anonymous = new Http(server.base);
        assertError(anonymous.post(CHAT, "{}"), 401, null, "API key");
        assertEquals("Bearer", anonymous.post(CHAT, "{}").raw().headers().firstValue("WWW-Authenticate").orElse(""));
        assertError(new Http(server.base, KEY + "x").get("/v1/models"), 401, null, "API key");
        assertError(anonymous.get("/metrics"), 401, null, "API key");
        assertEquals(200, anonymous.get("/health").status(), "health needs no key");
        Http.Response basic = anonymous.send(anonymous.builder("/v1/models").header("Authorization", "Basic " + KEY)
                .GET().build());
        assertError(basic, 401, null, "API key");

        String big = "{\"messages\": [{\"role\": \"user\", \"content\": \"" + "a".repeat(70_000) + "\"}]}";
        assertError(http.post(CHAT, big), 413, null, "65536 bytes");
        // Chunked upload (no Content-Length): the limit holds as the bytes arrive.
        Http.Response chunked = http.send(http.builder(CHAT).POST(HttpRequest.BodyPublishers.ofInputStream(
                () -> new java.io.ByteArrayInputStream(big.getBytes()))).build());
        assertError(chunked, 413, null, "65536 bytes");

        assertError(http.get("/v1/nothing"), 404, null, "unknown endpoint");
        assertError(http.get(CHAT), 405, null, "takes POST");
        assertError(http.post("/v1/models", "{}"), 405, null, "takes GET");
        assertError(http.get("/v1/models/other"), 404, "model", "other");
        assertEquals("llada2-demo", http.get("/v1/models/llada2-demo").json().get("id").asText());
    }

    /**
     * A client that goes on sending an oversized body after the server has refused it still reads the 413:
     * the server reads and discards the rest before it closes. (Closed at once, the server's TCP stack
     * answers the arriving bytes with a reset, which can destroy the 413 before the client reads it; the
     * JDK client then failed with "header parser received no bytes", about one run in six.) Over a raw
     * socket, so that the body is still being written when the answer comes.
     */
    @Test
    void aClientStillSendingATooLargeBodyReadsThe413() throws Exception {
        byte[] chunk = "a".repeat(16 * 1024).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int chunks = 16;
        try (java.net.Socket socket = new java.net.Socket(server.base.getHost(), server.base.getPort())) {
            socket.setSoTimeout(10_000);
            var out = socket.getOutputStream();
            out.write(("POST " + CHAT + " HTTP/1.1\r\nHost: " + server.base.getHost() + "\r\nAuthorization: Bearer "
                    + KEY + "\r\nContent-Type: application/json\r\nContent-Length: " + chunk.length * chunks
                    + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            for (int i = 0; i < chunks; i++) {
                out.write(chunk);
                out.flush();
                Thread.sleep(20);   // the 413 is sent after the headers: the rest arrives after it
            }
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 413"), "expected the 413, got: " + answer);
            assertTrue(answer.contains("65536 bytes"), answer);
        }
    }

    @Test
    void goodRequestsAndPlainEndpoints() throws Exception {
        JsonNode health = http.get("/health").json();
        assertEquals("ok", health.get("status").asText());
        JsonNode models = http.get("/v1/models").json();
        assertEquals("llada2-demo", models.at("/data/0/id").asText());
        assertEquals(4096, models.at("/data/0/context_length").asInt());

        // Unknown fields are ignored (clients written for newer API versions keep working); defaults accepted.
        Http.Response ok = post(CHAT, "{\"model\": \"llada2-demo\", \"messages\": [{\"role\": \"developer\","
                + " \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\":"
                + " \"Hi\"}]}], \"max_tokens\": 8, \"n\": 1, \"presence_penalty\": 0, \"logprobs\": false,"
                + " \"tools\": [], \"response_format\": {\"type\": \"text\"}, \"some_future_field\": {\"x\": 1},"
                + " \"stream\": false, \"user\": \"u1\"}");
        assertEquals(200, ok.status(), ok.toString());
        JsonNode body = ok.json();
        assertEquals("chat.completion", body.get("object").asText());
        int tokens = body.at("/usage/completion_tokens").asInt();
        assertTrue(body.at("/choices/0/finish_reason").asText().equals("stop") ? tokens <= 8 : tokens == 8, body.toString());
        assertTrue(body.at("/timings/forwards").asInt() > 0, body.toString());

        Http.Response streamed = post(COMPLETIONS, "{\"prompt\": \"Hello\", \"max_tokens\": 40, \"stream\": true,"
                + " \"stream_options\": {\"include_usage\": true}, \"ignore_eos\": true}");
        assertEquals(200, streamed.status(), streamed.toString());
        assertTrue(streamed.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> events = streamed.events();
        assertEquals("[DONE]", events.getLast());
        JsonNode usageOnly = Http.JSON.readTree(events.get(events.size() - 2));
        assertEquals(0, usageOnly.get("choices").size());
        assertEquals(40, usageOnly.at("/usage/completion_tokens").asInt(), "ignore_eos: the whole length");

        String metrics = http.get("/metrics").body();
        assertTrue(metrics.contains("llada2_requests_total{endpoint=\"/v1/chat/completions\",status=\"400\"}")
                || metrics.contains("llada2_requests_total{endpoint=\"/v1/chat/completions\",status=\"200\"}"), metrics);
        for (String name : List.of("llada2_generated_tokens_total", "llada2_forwards_total{kind=\"denoise\"}",
                "llada2_tokens_per_forward", "llada2_queue_depth", "llada2_request_duration_seconds_bucket")) {
            assertTrue(metrics.contains(name), name + " in\n" + metrics);
        }
        assertFalse(server.log().contains("Exception"), server.log());
    }

    private static Http.Response chat(String field, String json) throws Exception {
        return post(CHAT, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"" + field
                + "\": " + json + "}");
    }

    private static Http.Response post(String path, String body) throws Exception {
        return http.post(path, body);
    }

    /** The status, an OpenAI error object naming {@code param}, a message with {@code fragment}, no stack trace. */
    static void assertError(Http.Response r, int status, String param, String fragment) {
        assertEquals(status, r.status(), r.toString());
        JsonNode e = r.json().get("error");
        assertTrue(e != null && e.isObject(), "an error object: " + r);
        assertTrue(e.get("message").asText().contains(fragment), "'" + fragment + "' in " + r);
        assertTrue(e.has("type") && e.has("param") && e.has("code"), r.toString());
        if (param == null) {
            assertTrue(e.get("param").isNull(), r.toString());
        } else {
            assertEquals(param, e.get("param").asText(), r.toString());
        }
        assertFalse(r.body().contains("Exception") || r.body().contains("\tat "), "no stack trace: " + r);
    }
}
