package dev.llada2.checkpoint.gguf;

import dev.llada2.errors.LladaException;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The key/value metadata of a GGUF file, with typed access whose errors name the file, the key, the
 * type expected and the one found. Values are Java objects: {@code Integer} for the 8/16-bit types
 * and INT32, {@code Long} for UINT32, INT64 and UINT64 (UINT64 as its bit pattern), {@code Float},
 * {@code Double}, {@code Boolean}, {@code String}, and {@link GgufArray}.
 */
public final class GgufMetadata {

    private final Path file;
    private final Map<String, Object> values;
    private final Map<String, GgufValueType> types;

    GgufMetadata(Path file, LinkedHashMap<String, Object> values, LinkedHashMap<String, GgufValueType> types) {
        this.file = file;
        this.values = Collections.unmodifiableMap(values);
        this.types = Collections.unmodifiableMap(types);
    }

    /** All values by key, in file order. */
    public Map<String, Object> values() {
        return values;
    }

    public Optional<GgufValueType> type(String key) {
        return Optional.ofNullable(types.get(key));
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public Optional<String> string(String key) {
        return typed(key, String.class, "a string");
    }

    public Optional<Boolean> bool(String key) {
        return typed(key, Boolean.class, "a bool");
    }

    /** An integer of any width and signedness. */
    public Optional<Long> integer(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!types.get(key).isInteger()) {
            throw error(key, "expected an integer, found " + describe(key));
        }
        return Optional.of(((Number) v).longValue());
    }

    /** An integer that must lie in {@code [min, max]}. */
    public Optional<Integer> integer(String key, long min, long max) {
        return integer(key).map(v -> {
            if (v < min || v > max || (types.get(key) == GgufValueType.UINT64 && v < 0)) {
                throw error(key, "expected an integer in " + min + ".." + max + ", found " + describe(key));
            }
            return (int) (long) v;
        });
    }

    /** A floating-point value (FLOAT32/FLOAT64; integers are accepted too, as writers vary). */
    public Optional<Double> number(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof Number) ) {
            throw error(key, "expected a number, found " + describe(key));
        }
        return Optional.of(((Number) v).doubleValue());
    }

    /** An array whose elements are all of {@code element}'s Java class. */
    public Optional<List<Object>> array(String key, GgufValueType... elementTypes) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof GgufArray a)) {
            throw error(key, "expected an array, found " + describe(key));
        }
        if (a.size() > 0 && !List.of(elementTypes).contains(a.elementType())) {
            throw error(key, "expected an array of " + List.of(elementTypes) + ", found an array of " + a.elementType());
        }
        return Optional.of(a.values());
    }

    /** {@code key}'s type and (abbreviated) value, for messages and {@code info}. */
    public String describe(String key) {
        Object v = values.get(key);
        if (v == null) {
            return "nothing";
        }
        if (v instanceof GgufArray a) {
            return "array of " + a.size() + " " + a.elementType();
        }
        String text = types.get(key) == GgufValueType.UINT64 ? Long.toUnsignedString((Long) v) : String.valueOf(v);
        if (text.length() > 80) {
            text = text.substring(0, 77) + "...";
        }
        return types.get(key) + " " + (v instanceof String ? "\"" + text + "\"" : text);
    }

    public LladaException error(String key, String message) {
        return LladaException.input(file + ": metadata key " + key + ": " + message);
    }

    public LladaException missing(String key, String what) {
        return LladaException.input(file + ": missing required metadata key " + key + " (" + what + ")");
    }

    private <T> Optional<T> typed(String key, Class<T> type, String expected) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!type.isInstance(v)) {
            throw error(key, "expected " + expected + ", found " + describe(key));
        }
        return Optional.of(type.cast(v));
    }
}
