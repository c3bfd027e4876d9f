package dev.llada2.it.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Plain HTTP/1.1 calls to the server under test, with generous timeouts. */
final class Http {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();
    private final URI base;
    private final String apiKey;

    Http(URI base) {
        this(base, null);
    }

    Http(URI base, String apiKey) {
        this.base = base;
        this.apiKey = apiKey;
    }

    record Response(int status, String body, HttpResponse<String> raw) {

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }

        /** The {@code data:} payloads of a Server-Sent Events body, in order. */
        List<String> events() {
            List<String> out = new ArrayList<>();
            for (String block : body.split("\n\n")) {
                if (block.startsWith("data: ")) {
                    out.add(block.substring("data: ".length()));
                }
            }
            return out;
        }

        @Override
        public String toString() {
            return "HTTP " + status + ": " + body;
        }
    }

    Response get(String path) throws IOException, InterruptedException {
        return send(builder(path).GET().build());
    }

    Response post(String path, String body) throws IOException, InterruptedException {
        return send(builder(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    Response post(String path, JsonNode body) throws IOException, InterruptedException {
        return post(path, body.toString());
    }

    /** Sends without waiting for the answer. */
    CompletableFuture<Response> postAsync(String path, String body) {
        HttpRequest request = builder(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> new Response(r.statusCode(), r.body(), r));
    }

    /** The value of an unlabelled or labelled sample in /metrics, or 0 when absent. */
    double metric(String sample) throws IOException, InterruptedException {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1));
            }
        }
        return 0;
    }

    /** Polls /metrics until the sample has the value (a state the test waits for, not a timing). */
    void awaitMetric(String sample, double value) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (metric(sample) != value) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(sample + " never reached " + value + ":\n" + get("/metrics").body());
            }
            Thread.sleep(20);
        }
    }

    Response send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body(), r);
    }

    HttpRequest.Builder builder(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT);
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b;
    }
}
