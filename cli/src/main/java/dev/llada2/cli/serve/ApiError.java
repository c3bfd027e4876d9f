package dev.llada2.cli.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.cli.output.Json;

import java.util.Map;

/**
 * A request the server answers with an error: the HTTP status and an OpenAI-style error object
 * ({@code {"error": {"message", "type", "param", "code"}}}), where {@code param} names the offending
 * field (e.g. {@code messages[1].content}). Thrown while reading a request; never carries a stack
 * trace to the client.
 */
final class ApiError extends RuntimeException {

    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final Map<String, String> headers;

    ApiError(int status, String type, String param, String code, String message) {
        this(status, type, param, code, message, Map.of());
    }

    /** @param headers response headers the error needs (WWW-Authenticate, Retry-After, Allow) */
    ApiError(int status, String type, String param, String code, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.headers = headers;
    }

    /** 400: a field is missing, of the wrong type or out of range. */
    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, "invalid_value", message);
    }

    /** 400: a field asks for something this server does not do (e.g. {@code n > 1}, tools). */
    static ApiError unsupported(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, "unsupported_value", message);
    }

    int status() {
        return status;
    }

    Map<String, String> headers() {
        return headers;
    }

    ObjectNode json() {
        ObjectNode root = Json.object();
        ObjectNode e = root.putObject("error");
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return root;
    }
}
