package dev.llada2.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Typed, range-checked access to the fields of a JSON request object. A field that is absent or
 * {@code null} is "not given"; a field of the wrong type or out of range is an {@link ApiError}
 * naming it. Numbers must be numbers (a string "16" is not an integer), integers must be integral.
 */
final class Fields {

    private final JsonNode object;
    private final String prefix;

    Fields(JsonNode object, String prefix) {
        this.object = object;
        this.prefix = prefix;
    }

    /** The field's path as the error names it, e.g. {@code messages[0].role}. */
    String path(String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    boolean given(String name) {
        JsonNode v = object.get(name);
        return v != null && !v.isNull();
    }

    JsonNode node(String name) {
        return given(name) ? object.get(name) : null;
    }

    Optional<String> string(String name) {
        JsonNode v = node(name);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw typeError(name, "a string", v);
        }
        return Optional.of(v.asText());
    }

    Optional<Boolean> bool(String name) {
        JsonNode v = node(name);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isBoolean()) {
            throw typeError(name, "true or false", v);
        }
        return Optional.of(v.asBoolean());
    }

    /** An integer in {@code [min, max]}. */
    OptionalInt integer(String name, long min, long max) {
        OptionalLong v = longInteger(name, min, max);
        return v.isPresent() ? OptionalInt.of((int) v.getAsLong()) : OptionalInt.empty();
    }

    OptionalLong longInteger(String name, long min, long max) {
        JsonNode v = node(name);
        if (v == null) {
            return OptionalLong.empty();
        }
        if (!v.isIntegralNumber()) {
            throw typeError(name, "an integer", v);
        }
        if (!v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw ApiError.invalid(path(name), path(name) + " must be in [" + min + ", " + max + "], got " + v);
        }
        return OptionalLong.of(v.asLong());
    }

    /** A finite number in {@code [min, max]}; {@code minExclusive} excludes {@code min} itself. */
    OptionalDouble number(String name, double min, boolean minExclusive, double max) {
        JsonNode v = node(name);
        if (v == null) {
            return OptionalDouble.empty();
        }
        if (!v.isNumber()) {
            throw typeError(name, "a number", v);
        }
        double d = v.asDouble();
        if (!Double.isFinite(d) || (minExclusive ? d <= min : d < min) || d > max) {
            throw ApiError.invalid(path(name), path(name) + " must be in " + (minExclusive ? "(" : "[") + min + ", "
                    + max + "], got " + v);
        }
        return OptionalDouble.of(d);
    }

    /** A JSON object, or empty. */
    Optional<JsonNode> object(String name) {
        JsonNode v = node(name);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isObject()) {
            throw typeError(name, "an object", v);
        }
        return Optional.of(v);
    }

    ApiError typeError(String name, String expected, JsonNode found) {
        return ApiError.invalid(path(name), path(name) + " must be " + expected + ", got " + describe(found));
    }

    /** A short description of a JSON value for error messages: its type and, if short, the value. */
    static String describe(JsonNode v) {
        String type = v.isTextual() ? "string" : v.isIntegralNumber() ? "integer" : v.isNumber() ? "number"
                : v.isBoolean() ? "boolean" : v.isArray() ? "array" : v.isObject() ? "object" : "null";
        String text = v.toString();
        return text.length() <= 40 ? type + " " + text : type;
    }
}
