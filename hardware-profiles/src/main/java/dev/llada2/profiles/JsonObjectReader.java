package dev.llada2.profiles;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.errors.LladaException;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads one JSON object of a profile strictly: every key must be one the schema allows (a typo is
 * an error naming its JSON path and the closest allowed key), and every value must have the
 * expected type. Errors are {@link LladaException#input} naming the file, the path, what was
 * expected and what was found.
 */
final class JsonObjectReader {

    private final JsonNode node;
    private final String path;
    private final String source;

    /**
     * @param allowed the keys this object may have
     * @throws LladaException if {@code node} is not an object or has a key outside {@code allowed}
     */
    JsonObjectReader(JsonNode node, String path, String source, Set<String> allowed) {
        this.node = node;
        this.path = path;
        this.source = source;
        if (node == null || !node.isObject()) {
            throw error(path, "expected a JSON object, found " + describe(node));
        }
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (!allowed.contains(key)) {
                throw error(path + "." + key, "unknown key" + closest(key, allowed).map(k -> " (did you mean \""
                        + k + "\"?)").orElse("") + "; allowed here: " + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }

    String source() {
        return source;
    }

    String path() {
        return path;
    }

    String path(String key) {
        return path + "." + key;
    }

    LladaException error(String at, String message) {
        return LladaException.input(source + ": " + at + ": " + message);
    }

    boolean has(String key) {
        return node.has(key) && !node.get(key).isNull();
    }

    /** Keys present among {@code keys}, in the order given. */
    List<String> present(List<String> keys) {
        return keys.stream().filter(this::has).toList();
    }

    String requiredString(String key) {
        return optionalString(key).orElseThrow(() -> error(path(key), "required, expected a string, found nothing"));
    }

    Optional<String> optionalString(String key) {
        if (!has(key)) {
            return Optional.empty();
        }
        JsonNode n = node.get(key);
        if (!n.isTextual()) {
            throw error(path(key), "expected a string, found " + describe(n));
        }
        return Optional.of(n.asText());
    }

    OptionalDouble optionalNumber(String key) {
        if (!has(key)) {
            return OptionalDouble.empty();
        }
        JsonNode n = node.get(key);
        if (!n.isNumber()) {
            throw error(path(key), "expected a number, found " + describe(n));
        }
        return OptionalDouble.of(n.asDouble());
    }

    OptionalInt optionalInt(String key) {
        if (!has(key)) {
            return OptionalInt.empty();
        }
        JsonNode n = node.get(key);
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw error(path(key), "expected an integer, found " + describe(n));
        }
        return OptionalInt.of(n.asInt());
    }

    boolean bool(String key, boolean fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode n = node.get(key);
        if (!n.isBoolean()) {
            throw error(path(key), "expected true or false, found " + describe(n));
        }
        return n.asBoolean();
    }

    /** The elements of an array value; empty when the key is absent. */
    List<JsonNode> array(String key) {
        if (!has(key)) {
            return List.of();
        }
        JsonNode n = node.get(key);
        if (!n.isArray()) {
            throw error(path(key), "expected a list [...], found " + describe(n));
        }
        List<JsonNode> out = new ArrayList<>();
        n.forEach(out::add);
        return out;
    }

    Optional<JsonNode> child(String key) {
        return has(key) ? Optional.of(node.get(key)) : Optional.empty();
    }

    static String describe(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "nothing";
        }
        String kind = n.isObject() ? "an object " : n.isArray() ? "a list " : n.isTextual() ? "the string "
                : n.isNumber() ? "the number " : "";
        String text = n.toString();
        return kind + (text.length() > 60 ? text.substring(0, 57) + "..." : text);
    }

    /** The allowed key nearest to {@code key} by edit distance, when it is a plausible typo. */
    private static Optional<String> closest(String key, Set<String> allowed) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String a : allowed) {
            int d = editDistance(key, a);
            if (d < bestDistance) {
                best = a;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.max(2, key.length() / 3) ? Optional.ofNullable(best) : Optional.empty();
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
