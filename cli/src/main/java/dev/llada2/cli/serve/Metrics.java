package dev.llada2.cli.serve;

import dev.llada2.decode.DecodeResult;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * What {@code GET /metrics} reports, in the Prometheus text format (version 0.0.4): requests by
 * endpoint and status, tokens, forwards, tokens per forward, the queue, cancellations, and a
 * histogram of the time per request. Counters are cumulative since the server started.
 */
final class Metrics {

    /** Upper bounds (seconds) of the request-duration histogram's buckets. */
    static final double[] BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};

    private final Map<String, LongAdder> requests = new ConcurrentSkipListMap<>();
    private final Map<String, LongAdder> cancelled = new ConcurrentSkipListMap<>();
    private final Map<String, Histogram> durations = new ConcurrentHashMap<>();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder generatedTokens = new LongAdder();
    private final LongAdder forwards = new LongAdder();
    private final LongAdder prefillForwards = new LongAdder();
    private final LongAdder cacheForwards = new LongAdder();
    private final LongAdder edits = new LongAdder();
    private final IntSupplier queueDepth;
    private final IntSupplier active;

    Metrics(IntSupplier queueDepth, IntSupplier active) {
        this.queueDepth = queueDepth;
        this.active = active;
    }

    /** A request answered (or abandoned: status 499, the client closed the connection). */
    void request(String endpoint, int status, long nanos) {
        requests.computeIfAbsent(endpoint + "\u0000" + status, k -> new LongAdder()).increment();
        durations.computeIfAbsent(endpoint, k -> new Histogram()).observe(nanos / 1e9);
    }

    /** A generation that ran, completely or not. */
    void generation(int prompt, DecodeResult r) {
        promptTokens.add(prompt);
        generatedTokens.add(r.generatedIds().length);
        forwards.add(r.forwards());
        prefillForwards.add(r.prefillForwards());
        cacheForwards.add(r.cacheForwards());
        edits.add(r.edits());
    }

    void cancelled(Generation.Cancel why) {
        cancelled.computeIfAbsent(why.label, k -> new LongAdder()).increment();
    }

    String render() {
        StringBuilder out = new StringBuilder();
        header(out, "llada2_requests_total", "counter", "HTTP requests answered, by endpoint and status"
                + " (499: the client closed the connection first).");
        requests.forEach((key, n) -> {
            String[] parts = key.split("\u0000");
            out.append("llada2_requests_total{endpoint=\"").append(parts[0]).append("\",status=\"").append(parts[1])
                    .append("\"} ").append(n.sum()).append('\n');
        });
        counter(out, "llada2_prompt_tokens_total", "Prompt tokens of the generations run.", promptTokens.sum());
        counter(out, "llada2_generated_tokens_total", "Tokens generated (returned answers, EOS included).",
                generatedTokens.sum());
        header(out, "llada2_forwards_total", "counter", "Forward passes, by kind: denoise (the decoding steps),"
                + " prefill (the prompt, KV cache), cache (a finished block appended to the KV cache).");
        out.append("llada2_forwards_total{kind=\"denoise\"} ").append(forwards.sum()).append('\n');
        out.append("llada2_forwards_total{kind=\"prefill\"} ").append(prefillForwards.sum()).append('\n');
        out.append("llada2_forwards_total{kind=\"cache\"} ").append(cacheForwards.sum()).append('\n');
        counter(out, "llada2_edits_total", "Tokens rewritten by token editing (decoding joint).", edits.sum());
        long f = forwards.sum();
        gauge(out, "llada2_tokens_per_forward", "Generated tokens per denoising forward since the start.",
                f == 0 ? 0 : (double) generatedTokens.sum() / f);
        gauge(out, "llada2_queue_depth", "Requests waiting for the engine.", queueDepth.getAsInt());
        gauge(out, "llada2_generation_active", "1 while the engine is generating.", active.getAsInt());
        header(out, "llada2_cancelled_total", "counter", "Generations stopped early, by reason.");
        cancelled.forEach((why, n) -> out.append("llada2_cancelled_total{reason=\"").append(why).append("\"} ")
                .append(n.sum()).append('\n'));
        header(out, "llada2_request_duration_seconds", "histogram", "Time per request, by endpoint, from its"
                + " arrival to the end of its answer (queueing included).");
        durations.forEach((endpoint, h) -> h.render(out, endpoint));
        return out.toString();
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        header(out, name, "counter", help);
        out.append(name).append(' ').append(value).append('\n');
    }

    private static void gauge(StringBuilder out, String name, String help, double value) {
        header(out, name, "gauge", help);
        out.append(name).append(' ').append(number(value)).append('\n');
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** A Prometheus histogram: cumulative bucket counts, sum and count. */
    private static final class Histogram {
        private final LongAdder[] buckets = new LongAdder[BUCKETS.length];
        private final LongAdder count = new LongAdder();
        private double sum;

        Histogram() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        void observe(double seconds) {
            for (int i = 0; i < BUCKETS.length; i++) {
                if (seconds <= BUCKETS[i]) {
                    buckets[i].increment();
                }
            }
            count.increment();
            synchronized (this) {
                sum += seconds;
            }
        }

        void render(StringBuilder out, String endpoint) {
            for (int i = 0; i < BUCKETS.length; i++) {
                out.append("llada2_request_duration_seconds_bucket{endpoint=\"").append(endpoint).append("\",le=\"")
                        .append(number(BUCKETS[i])).append("\"} ").append(buckets[i].sum()).append('\n');
            }
            long n = count.sum();
            out.append("llada2_request_duration_seconds_bucket{endpoint=\"").append(endpoint).append("\",le=\"+Inf\"} ")
                    .append(n).append('\n');
            double s;
            synchronized (this) {
                s = sum;
            }
            out.append("llada2_request_duration_seconds_sum{endpoint=\"").append(endpoint).append("\"} ")
                    .append(number(s)).append('\n');
            out.append("llada2_request_duration_seconds_count{endpoint=\"").append(endpoint).append("\"} ").append(n)
                    .append('\n');
        }
    }
}
