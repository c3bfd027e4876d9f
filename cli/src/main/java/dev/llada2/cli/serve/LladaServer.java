package dev.llada2.cli.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.cli.output.Json;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.errors.LladaException;
import dev.llada2.runtime.Engine;
import dev.llada2.tokenizer.Tokenizer;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The OpenAI-compatible HTTP server of {@code llada2 serve}, on Vert.x (Netty). Endpoints:
 * {@code POST /v1/chat/completions}, {@code POST /v1/completions}, {@code GET /v1/models} (and
 * {@code /v1/models/{id}}), {@code GET /health}, {@code GET /metrics}.
 *
 * <p>Flow of a generation request: the event loop checks the API key and reads the body (at most
 * {@code maxBodyBytes}); a virtual thread parses and validates it and tokenizes the prompt
 * ({@link RequestReader}); the {@link GenerationQueue} runs it on the engine when its turn comes,
 * streaming to the {@link Exchange}. A client that closes its connection cancels its generation
 * (before its next forward, or before it starts); {@code requestTimeoutSeconds} bounds queueing plus
 * generation.
 */
public final class LladaServer implements AutoCloseable {

    /**
     * @param host                  address to bind
     * @param port                  port (0: any free port)
     * @param maxQueue              requests that may wait while one generates; more get 429
     * @param requestTimeoutSeconds 0: no limit
     * @param apiKey                bearer token required on every endpoint but /health; null: none
     * @param maxBodyBytes          largest request body accepted (413 beyond)
     * @param modelId               the model's name in the API
     */
    public record Settings(String host, int port, int maxQueue, long requestTimeoutSeconds, String apiKey,
                           int maxBodyBytes, String modelId) {
    }

    static {
        // Vert.x and Netty choose a logging backend by what is on the class path; with the TornadoVM SDK's
        // log4j jars they would start an unconfigured Log4j 2, which prints an error at start. The JDK's
        // logging is always there and quiet unless something is wrong.
        System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.JULLogDelegateFactory");
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
    }

    /** Strict JSON: one value, no duplicate keys. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Settings settings;
    private final Engine engine;
    private final RequestReader reader;
    private final GenerationQueue queue;
    private final Metrics metrics;
    private final ApiErrors errors;
    private final PrintWriter requestLog;
    private final long created = Instant.now().getEpochSecond();
    private final byte[] apiKeyHash;
    private final ExecutorService parsing = Executors.newVirtualThreadPerTaskExecutor();
    private final Vertx vertx;
    private final HttpServer server;

    private LladaServer(Settings settings, Engine engine, Optional<Tokenizer> tokenizer, DecodeOptions defaults,
                        String maskSource, PrintWriter log, boolean logRequests) {
        this.settings = settings;
        this.engine = engine;
        this.reader = new RequestReader(settings.modelId(), defaults, tokenizer, maskSource,
                engine.config().vocabSize(), engine.config().maxPositionEmbeddings());
        this.queue = new GenerationQueue(settings.maxQueue(), engine, tokenizer);
        this.metrics = new Metrics(queue::depth, () -> queue.busy() ? 1 : 0);
        this.errors = new ApiErrors(settings.maxQueue(), settings.requestTimeoutSeconds(), log);
        this.requestLog = logRequests ? log : null;
        this.apiKeyHash = settings.apiKey() == null ? null : sha256(settings.apiKey());
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1)
                .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false)
                        .setClassPathResolvingEnabled(false)));
        this.server = vertx.createHttpServer(new HttpServerOptions().setHost(settings.host()).setPort(settings.port())
                .setMaxHeaderSize(16 * 1024));
    }

    /** Starts listening; the server runs until {@link #close}. */
    public static LladaServer start(Settings settings, Engine engine, Optional<Tokenizer> tokenizer,
                                    DecodeOptions defaults, String maskSource, PrintWriter log, boolean logRequests) {
        LladaServer s = new LladaServer(settings, engine, tokenizer, defaults, maskSource, log, logRequests);
        s.reader.chatProblem().ifPresent(problem -> log.println("llada2: note: POST /v1/chat/completions is"
                + " unavailable: " + problem));
        try {
            s.server.requestHandler(s::handle).listen().toCompletionStage().toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            s.close();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw LladaException.runtime("cannot listen on " + settings.host() + ":" + settings.port() + ": "
                    + cause.getMessage());
        } catch (InterruptedException e) {
            s.close();
            Thread.currentThread().interrupt();
            throw LladaException.runtime("interrupted while starting the server");
        }
        return s;
    }

    /** The port it listens on (the one the system chose for port 0). */
    public int port() {
        return server.actualPort();
    }

    /**
     * Answers queued requests 503 and stops the running generation at its next forward (it answers 503
     * too), then lets those answers go out, stops listening and closes Vert.x.
     */
    @Override
    public void close() {
        queue.close();
        parsing.shutdown();
        try {
            server.shutdown(10, TimeUnit.SECONDS).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Closing anyway: Vert.x is closed below, which closes what is left.
        }
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Nothing left to do: the process is on its way out or the caller moves on.
        }
    }

    private void handle(HttpServerRequest req) {
        Context context = vertx.getOrCreateContext();
        String path = req.path().length() > 1 && req.path().endsWith("/")
                ? req.path().substring(0, req.path().length() - 1) : req.path();
        Route route = Route.of(path);
        Exchange x = new Exchange(req, context, route.path, metrics, requestLog);
        if (route == Route.NOT_FOUND) {
            x.error(new ApiError(404, "invalid_request_error", null, "unknown_url", "unknown endpoint " + req.method()
                    + " " + req.path() + "; this server has POST /v1/chat/completions, POST /v1/completions, GET"
                    + " /v1/models, GET /health, GET /metrics"), false);
            return;
        }
        if (!route.method.equals(req.method())) {
            x.error(new ApiError(405, "invalid_request_error", null, "method_not_allowed", req.path() + " takes "
                    + route.method + ", not " + req.method(), Map.of("Allow", route.method.name())), false);
            return;
        }
        if (route != Route.HEALTH && !authorized(req)) {
            x.error(new ApiError(401, "invalid_request_error", null, "invalid_api_key", "a valid API key is"
                    + " required: send the header 'Authorization: Bearer KEY' with the key the server was started"
                    + " with (--api-key)", Map.of("WWW-Authenticate", "Bearer")), route.method == HttpMethod.POST);
            return;
        }
        switch (route) {
            case HEALTH -> x.json(200, health(), null);
            case METRICS -> x.text(200, "text/plain; version=0.0.4; charset=utf-8", metrics.render());
            case MODELS -> x.json(200, models(), null);
            case MODEL -> {
                String id = path.substring("/v1/models/".length());
                if (id.equals(settings.modelId())) {
                    x.json(200, model(), null);
                } else {
                    x.error(new ApiError(404, "invalid_request_error", "model", "model_not_found", "the model '" + id
                            + "' does not exist here; this server serves '" + settings.modelId() + "'"), false);
                }
            }
            case CHAT, COMPLETIONS -> readBody(req, x, body -> parsing.execute(() -> generate(route, body, x)));
            default -> throw new IllegalStateException(route.name());
        }
    }

    /** Reads the whole body, refusing (413, connection closed) one larger than the limit. */
    private void readBody(HttpServerRequest req, Exchange x, java.util.function.Consumer<Buffer> then) {
        int max = settings.maxBodyBytes();
        String declared = req.getHeader("Content-Length");
        if (declared != null && declared.chars().allMatch(Character::isDigit) && !declared.isEmpty()
                && (declared.length() > 12 || Long.parseLong(declared) > max)) {
            x.error(tooLarge(max), true);
            return;
        }
        Buffer body = Buffer.buffer();
        boolean[] over = {false};
        req.handler(chunk -> {
            if (over[0]) {
                return;
            }
            if (body.length() + chunk.length() > max) {
                over[0] = true;
                x.error(tooLarge(max), true);
            } else {
                body.appendBuffer(chunk);
            }
        });
        req.endHandler(v -> {
            if (!over[0]) {
                then.accept(body);
            }
        });
        req.exceptionHandler(e -> x.abandoned("the request could not be read: " + e.getMessage()));
    }

    private static ApiError tooLarge(int max) {
        return new ApiError(413, "invalid_request_error", null, "request_too_large", "the request body is larger"
                + " than " + max + " bytes (--max-body-bytes)");
    }

    /** On a virtual thread: parse, validate, tokenize, then queue (or answer 4xx/429). */
    private void generate(Route route, Buffer body, Exchange x) {
        GenerationRequest g;
        try {
            JsonNode json = parse(body.getBytes());
            g = route == Route.CHAT ? reader.chat(json) : reader.completion(json);
        } catch (ApiError e) {
            x.error(e, false);
            return;
        } catch (RuntimeException e) {
            x.error(errors.internal(e), false);
            return;
        }
        GenerationRequest.Api api = g.api();
        Responses responses = new Responses(api, api.idPrefix + UUID.randomUUID().toString().replace("-", ""),
                Instant.now().getEpochSecond(), settings.modelId());
        Generation gen = new Generation(g, new HttpReply(x, responses, g), errors, metrics, x.arrivedNanos());
        if (!queue.offer(gen)) {
            x.error(queue.closed() ? errors.cancelled(Generation.Cancel.SHUTDOWN) : errors.queueFull(), false);
            return;
        }
        x.onClientGone(() -> cancel(gen, Generation.Cancel.CLIENT_GONE));
        if (settings.requestTimeoutSeconds() > 0) {
            long elapsedMs = (System.nanoTime() - x.arrivedNanos()) / 1_000_000;
            long delay = Math.max(1, settings.requestTimeoutSeconds() * 1000 - elapsedMs);
            vertx.setTimer(delay, id -> cancel(gen, Generation.Cancel.TIMEOUT));
        }
    }

    private void cancel(Generation gen, Generation.Cancel why) {
        if (gen.cancel(why)) {
            queue.remove(gen);
            gen.abandon();
        }
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw ApiError.invalid(null, "the request body is empty; send a JSON object");
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw ApiError.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        } catch (IOException e) {
            throw ApiError.invalid(null, "the request body could not be read: " + e.getMessage());
        }
    }

    /** The bearer token, compared in constant time (as SHA-256 digests, so the length does not leak either). */
    private boolean authorized(HttpServerRequest req) {
        if (apiKeyHash == null) {
            return true;
        }
        String header = req.getHeader("Authorization");
        String prefix = "Bearer ";
        if (header == null || !header.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return false;
        }
        return MessageDigest.isEqual(apiKeyHash, sha256(header.substring(prefix.length()).trim()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private ObjectNode health() {
        ObjectNode h = Json.object();
        h.put("status", "ok");
        h.put("model", settings.modelId());
        h.put("engine", engine.describe());
        h.put("generating", queue.busy());
        h.put("queue_depth", queue.depth());
        return h;
    }

    private ObjectNode models() {
        ObjectNode list = Json.object();
        list.put("object", "list");
        list.putArray("data").add(model());
        return list;
    }

    private ObjectNode model() {
        ObjectNode m = Json.object();
        m.put("id", settings.modelId());
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "llada2");
        m.put("context_length", engine.config().maxPositionEmbeddings());
        m.put("vocab_size", engine.config().vocabSize());
        m.put("engine", engine.describe());
        return m;
    }

    /** The endpoints; the metrics label of a path is its route's, so labels stay few. */
    private enum Route {
        CHAT(HttpMethod.POST, "/v1/chat/completions"),
        COMPLETIONS(HttpMethod.POST, "/v1/completions"),
        MODELS(HttpMethod.GET, "/v1/models"),
        MODEL(HttpMethod.GET, "/v1/models/{id}"),
        HEALTH(HttpMethod.GET, "/health"),
        METRICS(HttpMethod.GET, "/metrics"),
        NOT_FOUND(HttpMethod.GET, "other");

        final HttpMethod method;
        final String path;

        Route(HttpMethod method, String path) {
            this.method = method;
            this.path = path;
        }

        static Route of(String path) {
            for (Route r : values()) {
                if (r.path.equals(path)) {
                    return r;
                }
            }
            return path.startsWith("/v1/models/") ? MODEL : NOT_FOUND;
        }
    }
}
