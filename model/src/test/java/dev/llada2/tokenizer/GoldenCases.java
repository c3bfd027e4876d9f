package dev.llada2.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llada2.testing.SharedData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The golden data of {@code ../shared/tokenizers/<name>/cases.json} (see the README there), and the
 * tokenizer it belongs to, each loaded once per test JVM. Missing data is an error, never a skip.
 */
record GoldenCases(String name, Tokenizer tokenizer, List<Case> cases, List<DecodeCase> decodeCases) {

    static final List<String> TOKENIZERS = List.of("qwen3", "llama3", "qwen3-bailing-regex", "llama3-bos-template");
    static final int CASE_COUNT = 350;

    record Case(String id, String text, int[] ids, int[] idsDefault, List<String> tokens, List<String> pretokens,
                String decoded, String decodedSkipSpecial) {
    }

    record DecodeCase(String note, int[] ids, String decoded, String decodedSkipSpecial) {
    }

    private static final Map<String, GoldenCases> LOADED = new ConcurrentHashMap<>();

    static GoldenCases of(String name) {
        return LOADED.computeIfAbsent(name, GoldenCases::load);
    }

    private static GoldenCases load(String name) {
        Path dir = SharedData.tokenizers().resolve(name);
        if (!Files.isRegularFile(dir.resolve("cases.json")) || !Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new IllegalStateException("golden tokenizer data missing: expected " + dir + "/{tokenizer.json,cases.json}");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(dir.resolve("cases.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Case> cases = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            cases.add(new Case(c.get("id").asText(), c.get("text").asText(), ints(c.get("ids")), ints(c.get("ids_default")),
                    strings(c.get("tokens")), strings(c.get("pretokens")), c.get("decoded").asText(),
                    c.get("decoded_skip_special").asText()));
        }
        List<DecodeCase> decodeCases = new ArrayList<>();
        for (JsonNode c : root.get("decode_cases")) {
            decodeCases.add(new DecodeCase(c.get("note").asText(), ints(c.get("ids")), c.get("decoded").asText(),
                    c.get("decoded_skip_special").asText()));
        }
        return new GoldenCases(name, Tokenizer.load(dir.resolve("tokenizer.json")), cases, decodeCases);
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>(array.size());
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
