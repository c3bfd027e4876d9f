package dev.llada2.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * LLaDA2-style tokenizer.json files for tests. The real LLaDA2.0 tokenizer.json is not available
 * here, so a shared real tokenizer (qwen3: a byte-level BPE of the same family) gets the special
 * tokens LLaDA2 looks up by name, {@code <|mask|>}, {@code <|role_end|>}, {@code <role>},
 * {@code </role>} (and {@code <|endoftext|>} when absent), as special added tokens with fresh ids
 * after the existing ones. Code under test must find their ids by name, as it will in the real file.
 */
public final class LLaDA2Tokenizers {

    /** The tokens added, in id order (a token the source already has is skipped). */
    public static final List<String> ADDED = List.of("<|endoftext|>", "<|mask|>", "<|role_end|>", "<role>", "</role>");

    private LLaDA2Tokenizers() {
    }

    /** qwen3's tokenizer.json plus the LLaDA2 tokens, written to {@code dir/tokenizer.json}. */
    public static Path fromQwen3(Path dir) {
        return withLLaDA2Tokens(SharedData.tokenizers().resolve("qwen3").resolve("tokenizer.json"), dir);
    }

    /** {@code source} plus the LLaDA2 tokens, written to {@code dir/tokenizer.json}. */
    public static Path withLLaDA2Tokens(Path source, Path dir) {
        ObjectMapper mapper = new ObjectMapper();
        try {
            ObjectNode root = (ObjectNode) mapper.readTree(source.toFile());
            ArrayNode added = (ArrayNode) root.get("added_tokens");
            int next = 0;
            Set<String> present = new HashSet<>();
            for (JsonNode token : added) {
                next = Math.max(next, token.get("id").intValue() + 1);
                present.add(token.get("content").asText());
            }
            for (Map.Entry<String, JsonNode> entry : root.get("model").get("vocab").properties()) {
                next = Math.max(next, entry.getValue().intValue() + 1);
            }
            for (String content : ADDED) {
                if (present.contains(content)) {
                    continue;
                }
                ObjectNode token = added.addObject();
                token.put("id", next++);
                token.put("content", content);
                token.put("single_word", false);
                token.put("lstrip", false);
                token.put("rstrip", false);
                token.put("normalized", false);
                token.put("special", true);
            }
            Path file = dir.resolve("tokenizer.json");
            mapper.writeValue(file.toFile(), root);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
