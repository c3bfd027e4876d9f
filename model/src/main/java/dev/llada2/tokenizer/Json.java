package dev.llada2.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.llada2.errors.LladaException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A node of a {@code tokenizer.json} together with the file it came from and its JSON path
 * ({@code pre_tokenizer.pretokenizers[0].pattern}), so that every complaint about a malformed file
 * names both and no Jackson exception or {@code NullPointerException} reaches the user.
 *
 * <p>"Absent" means a missing key or an explicit JSON {@code null}: tokenizer.json writers use
 * both for "not set".
 */
record Json(Path file, String path, JsonNode node) {

    static Json root(Path file, JsonNode node) {
        return new Json(file, "", node);
    }

    /** The child {@code key}; its node is a {@link MissingNode} when this is not an object or lacks the key. */
    Json get(String key) {
        JsonNode child = node.isObject() ? node.get(key) : null;
        return new Json(file, path.isEmpty() ? key : path + "." + key, child == null ? MissingNode.getInstance() : child);
    }

    boolean isAbsent() {
        return node.isMissingNode() || node.isNull();
    }

    /** Fails unless this is an object; returns this. */
    Json requireObject() {
        if (!node.isObject()) {
            throw error("expected a JSON object, found " + describe());
        }
        return this;
    }

    String string(String key) {
        Json child = get(key);
        if (!child.node.isTextual()) {
            throw child.error("expected a string, found " + child.describe());
        }
        return child.node.asText();
    }

    /** A string, or empty when absent. */
    Optional<String> optionalString(String key) {
        Json child = get(key);
        return child.isAbsent() ? Optional.empty() : Optional.of(child.string());
    }

    /** This node as a string. */
    String string() {
        if (!node.isTextual()) {
            throw error("expected a string, found " + describe());
        }
        return node.asText();
    }

    boolean bool(String key, boolean whenAbsent) {
        Json child = get(key);
        if (child.isAbsent()) {
            return whenAbsent;
        }
        if (!child.node.isBoolean()) {
            throw child.error("expected true or false, found " + child.describe());
        }
        return child.node.booleanValue();
    }

    int integer(String key) {
        return get(key).integer();
    }

    /** This node as an int in [0, Integer.MAX_VALUE]: every count and id in tokenizer.json is one. */
    int integer() {
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 0) {
            throw error("expected a non-negative integer, found " + describe());
        }
        return node.intValue();
    }

    /** The elements of the array {@code key}; an absent array is an error. */
    List<Json> elements(String key) {
        return get(key).elements();
    }

    List<Json> elements() {
        if (!node.isArray()) {
            throw error("expected a JSON array, found " + describe());
        }
        List<Json> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            out.add(new Json(file, path + "[" + i + "]", node.get(i)));
        }
        return out;
    }

    /** The fields of this object, in file order. */
    List<Map.Entry<String, Json>> fields() {
        requireObject();
        List<Map.Entry<String, Json>> out = new ArrayList<>(node.size());
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            out.add(Map.entry(field.getKey(), get(field.getKey())));
        }
        return out;
    }

    /** The {@code type} tag of a component object (normalizer, pre_tokenizer, model ...). */
    String type() {
        requireObject();
        return string("type");
    }

    /** An error about this node: "{file}: {path}: {what}". */
    LladaException error(String what) {
        return LladaException.input(file + ": " + (path.isEmpty() ? "" : path + ": ") + what);
    }

    /** An error for a component type this implementation does not provide. */
    LladaException unsupported(String component, String type, String supported) {
        return error(component + " type \"" + type + "\" is not supported (supported: " + supported + ")");
    }

    private String describe() {
        if (node.isMissingNode()) {
            return "nothing (the key is missing)";
        }
        if (node.isNull()) {
            return "null";
        }
        String text = node.toString();
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " "
                + (text.length() > 80 ? text.substring(0, 77) + "..." : text);
    }
}
