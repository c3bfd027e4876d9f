package dev.llada2.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds small tokenizer.json files for unit tests. */
final class TokenizerJsonBuilder {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private final ObjectNode root = MAPPER.createObjectNode();
    private final ObjectNode vocab;
    private final ArrayNode merges;
    private final ArrayNode added;
    private int nextId;

    private TokenizerJsonBuilder() {
        root.putNull("truncation");
        root.putNull("padding");
        added = root.putArray("added_tokens");
        root.putNull("normalizer");
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        vocab = model.putObject("vocab");
        merges = model.putArray("merges");
    }

    /** A byte-level BPE: the 256 alphabet characters as ids 0..255, ByteLevel pre-tokenizer (no regex) and decoder. */
    static TokenizerJsonBuilder byteLevel() {
        TokenizerJsonBuilder b = new TokenizerJsonBuilder();
        for (int i = 0; i < 256; i++) {
            b.token(String.valueOf(ByteLevelAlphabet.charOf(i)));
        }
        b.set("pre_tokenizer", "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}");
        b.set("decoder", "{\"type\": \"ByteLevel\"}");
        return b;
    }

    /** An empty vocab, no pre-tokenizer, no decoder. */
    static TokenizerJsonBuilder plain() {
        return new TokenizerJsonBuilder();
    }

    /** Adds a vocab entry with the next id; returns this. */
    TokenizerJsonBuilder token(String token) {
        vocab.put(token, nextId++);
        return this;
    }

    /** Adds the merge {@code "a b"} (legacy string form) and its result to the vocab. */
    TokenizerJsonBuilder merge(String a, String b) {
        merges.add(a + " " + b);
        if (!vocab.has(a + b)) {
            token(a + b);
        }
        return this;
    }

    TokenizerJsonBuilder addedToken(String content, boolean special, boolean normalized, boolean lstrip,
                                    boolean rstrip, boolean singleWord) {
        ObjectNode t = added.addObject();
        t.put("id", nextId++);
        t.put("content", content);
        t.put("single_word", singleWord);
        t.put("lstrip", lstrip);
        t.put("rstrip", rstrip);
        t.put("normalized", normalized);
        t.put("special", special);
        return this;
    }

    TokenizerJsonBuilder special(String content) {
        return addedToken(content, true, false, false, false, false);
    }

    /** Sets a top-level field to a JSON value. */
    TokenizerJsonBuilder set(String field, String json) {
        root.set(field, parse(json));
        return this;
    }

    /** Sets a field of {@code model} to a JSON value. */
    TokenizerJsonBuilder model(String field, String json) {
        ((ObjectNode) root.get("model")).set(field, parse(json));
        return this;
    }

    ObjectNode json() {
        return root;
    }

    Path write(Path dir) {
        try {
            Path file = dir.resolve("tokenizer.json");
            MAPPER.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Tokenizer load(Path dir) {
        return Tokenizer.load(write(dir));
    }

    static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    /** A {@link Json} for a component given as JSON text, as the parsers see it. */
    static Json component(String json) {
        return new Json(Path.of("test.json"), "component", parse(json));
    }

    static void writeText(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
