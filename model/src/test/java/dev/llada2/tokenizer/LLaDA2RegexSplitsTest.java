package dev.llada2.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llada2.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Ling-2.0 / LLaDA2.0 Split regex (possessive quantifiers) against the reference's splits in
 * {@code qwen3-bailing-regex/splits.json}: Split(Isolated) then ByteLevel, on the 350 corpus strings
 * (NFC-normalized, as the file's README says) and on 3000 random strings over boundary-sensitive
 * characters. The random strings' splits are of the text as stored, not NFC-normalized (they keep
 * U+212A KELVIN SIGN and decomposed accents, which NFC would change), so those are split as they are.
 */
class LLaDA2RegexSplitsTest {

    @Test
    void splitsMatchTheReference() throws Exception {
        Path file = SharedData.tokenizers().resolve("qwen3-bailing-regex").resolve("splits.json");
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        String regex = root.get("regex").asText();
        PreTokenizer pre = new PreTokenizer.Sequence(List.of(
                new PreTokenizer.Split(SplitPattern.Regex.compile(regex, TokenizerJsonBuilder.component("null")),
                        SplitBehavior.Isolated, false),
                new PreTokenizer.ByteLevel(false, false)));
        List<JsonNode> all = new ArrayList<>();
        root.get("cases").forEach(all::add);
        int corpus = all.size();
        root.get("fuzz").forEach(all::add);
        assertEquals(3350, all.size(), "cases + fuzz strings in " + file);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            JsonNode c = all.get(i);
            List<String> expected = new ArrayList<>();
            c.get("splits").forEach(s -> expected.add(s.asText()));
            String text = c.get("text").asText();
            List<String> actual = pre.apply(i < corpus ? java.text.Normalizer.normalize(text, Form.NFC) : text);
            if (!actual.equals(expected)) {
                failures.add(c.get("text") + ": expected " + expected + " got " + actual);
            }
        }
        assertTrue(failures.isEmpty(), () -> (all.size() - failures.size()) + "/" + all.size() + " pass; first failures:\n  "
                + String.join("\n  ", failures.subList(0, Math.min(5, failures.size()))));
    }
}
