package dev.llada2.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One HTTP request and its response, usable from any thread: every response operation runs on the
 * request's Vert.x context, in call order. It notices the client closing the connection at once
 * (Netty keeps reading the socket while the answer is being computed, so no write is needed to find
 * out), and accounts for the request exactly once in the metrics and the request log.
 */
final class Exchange {

    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final Context context;
    private final String endpoint;
    private final long arrivedNanos;
    private final Metrics metrics;
    private final PrintWriter log;
    private final AtomicBoolean accounted = new AtomicBoolean();
    private volatile boolean closed;
    private volatile Runnable onClose;
    private volatile boolean streaming;

    Exchange(HttpServerRequest request, Context context, String endpoint, Metrics metrics, PrintWriter log) {
        this.request = request;
        this.response = request.response();
        this.context = context;
        this.endpoint = endpoint;
        this.arrivedNanos = System.nanoTime();
        this.metrics = metrics;
        this.log = log;
        response.closeHandler(v -> {
            closed = true;
            Runnable r = onClose;
            if (r != null) {
                r.run();
            }
        });
    }

    long arrivedNanos() {
        return arrivedNanos;
    }

    /** Runs {@code action} once the client has closed the connection (at once if it already has). */
    void onClientGone(Runnable action) {
        onClose = action;
        if (closed) {
            action.run();
        }
    }

    /** A complete JSON answer. */
    void json(int status, JsonNode body, String detail) {
        send(status, "application/json", body.toString(), false, Map.of());
        account(status, detail);
    }

    /** A complete answer of another type (metrics). */
    void text(int status, String contentType, String body) {
        send(status, contentType, body, false, Map.of());
        account(status, null);
    }

    /**
     * An OpenAI-style error. Before a streamed answer began: the error's status and object;
     * after: one {@code data:} event holding the error object, then {@code data: [DONE]}.
     * {@code closeAfter} drops the connection (its request body was not read to the end).
     */
    void error(ApiError e, boolean closeAfter) {
        if (streaming) {
            String frame = "data: " + e.json() + "\n\ndata: [DONE]\n\n";
            run(() -> response.end(frame));
        } else {
            send(e.status(), "application/json", e.json().toString(), closeAfter, e.headers());
        }
        account(e.status(), e.getMessage());
    }

    /** Starts a Server-Sent Events answer: status 200 and the headers now, events as they come. */
    void startEvents() {
        streaming = true;
        run(() -> {
            response.setStatusCode(200);
            response.putHeader("Content-Type", "text/event-stream; charset=utf-8");
            response.putHeader("Cache-Control", "no-cache");
            response.putHeader("X-Accel-Buffering", "no");
            response.setChunked(true);
        });
    }

    /** One event: {@code data: JSON} and a blank line. */
    void event(JsonNode data) {
        String frame = "data: " + data + "\n\n";
        run(() -> response.write(frame));
    }

    /** Ends a Server-Sent Events answer with {@code data: [DONE]}. */
    void endEvents(String detail) {
        run(() -> response.end("data: [DONE]\n\n"));
        account(200, detail);
    }

    /** The client left before its answer: nothing is sent; logged and counted as 499. */
    void abandoned(String detail) {
        account(499, detail);
    }

    private void send(int status, String contentType, String body, boolean closeAfter, Map<String, String> headers) {
        run(() -> {
            response.setStatusCode(status);
            response.putHeader("Content-Type", contentType);
            headers.forEach(response::putHeader);
            if (closeAfter) {
                response.putHeader("Connection", "close");
            }
            response.end(body).onComplete(done -> {
                if (closeAfter) {
                    lingerThenClose();
                }
            });
        });
    }

    /** How long a connection refused before its request body ended waits for the rest of the body. */
    private static final long LINGER_MILLIS = 2000;
    /** How much of the rest of such a body it reads (and discards) before closing anyway. */
    private static final long LINGER_BYTES = 4L << 20;

    /**
     * Closes the connection after an answer sent before the request body was read to the end (413), but
     * only once the client has sent the rest of the body, which is discarded (or after {@value #LINGER_MILLIS}
     * ms or {@value #LINGER_BYTES} bytes). Closing at once, while the client's bytes still arrive, makes
     * the server's TCP stack answer them with a reset, which can destroy the answer before the client
     * reads it: the client then sees its connection reset instead of the 413 (ServeBadInputTest did,
     * about one run in six).
     */
    private void lingerThenClose() {
        HttpConnection connection = request.connection();
        if (request.isEnded()) {
            connection.close();
            return;
        }
        Vertx vertx = context.owner();
        long timer = vertx.setTimer(LINGER_MILLIS, id -> connection.close());
        long[] discarded = {0};
        request.handler(chunk -> {
            discarded[0] += chunk.length();
            if (discarded[0] > LINGER_BYTES) {
                vertx.cancelTimer(timer);
                connection.close();
            }
        });
        request.endHandler(v -> {
            vertx.cancelTimer(timer);
            connection.close();
        });
    }

    /** Runs a response operation on the request's context, unless the response is over. */
    private void run(Runnable operation) {
        context.runOnContext(v -> {
            if (!response.ended() && !response.closed()) {
                operation.run();
            }
        });
    }

    private void account(int status, String detail) {
        if (accounted.compareAndSet(false, true)) {
            long nanos = System.nanoTime() - arrivedNanos;
            metrics.request(endpoint, status, nanos);
            if (log != null) {
                synchronized (log) {
                    log.printf("llada2: serve: %s %s %d %.3f s%s%n", request.method(), request.path(), status,
                            nanos / 1e9, detail == null ? "" : ": " + detail);
                    log.flush();
                }
            }
        }
    }
}
