package dev.llada2.cli.serve;

import dev.llada2.errors.LladaException;

import java.io.PrintWriter;
import java.util.Map;

/**
 * The errors the server itself causes (as opposed to a bad request): a full queue, a timeout, a
 * shutdown, a failure inside the engine. Failures are logged with their stack trace on the server's
 * log; the client gets the message only.
 */
final class ApiErrors {

    private final int maxQueue;
    private final long timeoutSeconds;
    private final PrintWriter log;

    ApiErrors(int maxQueue, long timeoutSeconds, PrintWriter log) {
        this.maxQueue = maxQueue;
        this.timeoutSeconds = timeoutSeconds;
        this.log = log;
    }

    /** 429: the queue holds {@code --max-queue} requests. */
    ApiError queueFull() {
        return new ApiError(429, "rate_limit_error", null, "queue_full", "the server is busy: " + maxQueue
                + " requests are already waiting (--max-queue " + maxQueue + "); retry later", Map.of("Retry-After", "1"));
    }

    /** 504 for a timeout, 503 for a shutdown. */
    ApiError cancelled(Generation.Cancel why) {
        return switch (why) {
            case TIMEOUT -> new ApiError(504, "timeout_error", null, "request_timeout", "the request did not finish"
                    + " within --request-timeout " + timeoutSeconds + " s (waiting in the queue included)");
            case SHUTDOWN, CLIENT_GONE -> new ApiError(503, "server_error", null, "shutting_down",
                    "the server is shutting down");
        };
    }

    /**
     * 500: something failed inside the server (a device, a bug). A {@link LladaException} says what
     * to do on its own; anything else is a bug, whose stack trace goes to the log, not to the client.
     */
    ApiError internal(Throwable e) {
        synchronized (log) {
            log.println("llada2: serve: error: " + (e instanceof LladaException ? e.getMessage() : e));
            if (!(e instanceof LladaException)) {
                e.printStackTrace(log);
            }
            log.flush();
        }
        String message = e instanceof LladaException ? e.getMessage()
                : "internal error (" + e.getClass().getSimpleName() + "); the server log has the details";
        return new ApiError(500, "server_error", null, "internal_error", message);
    }
}
