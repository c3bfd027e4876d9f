package dev.llada2.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.checkpoint.gguf.GgufFile;
import dev.llada2.checkpoint.gguf.GgufTokenizer;
import dev.llada2.checkpoint.gguf.GgufWriter;
import dev.llada2.config.ConfigLoader;
import dev.llada2.config.ConfigPresets;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.testing.SharedData;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tokenizer.json stored in GGUF metadata ({@code tokenizer.ggml.*}, as {@code llada2 quantize}
 * writes it) and read back encodes and decodes the golden corpus like the reference library: every
 * case for Llama 3 (no normalizer; llama.cpp's {@code llama-bpe} with ignore_merges), every case whose
 * text is already NFC for Qwen 3 and the LLaDA2.0 regex ({@code qwen2}, {@code bailingmoe2}; GGUF
 * stores no normalizer, as in llama.cpp).
 */
class GgufTokenizerTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen3", "qwen3-bailing-regex"})
    void roundTripThroughGgufEncodesTheGoldenCorpus(String name) throws IOException {
        GoldenCases g = GoldenCases.of(name);
        Path json = SharedData.tokenizers().resolve(name).resolve("tokenizer.json");
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(ConfigPresets.json("tiny"));
        config.put("vocab_size", g.tokenizer().size());
        LLaDA2Config c = ConfigLoader.parse(config.toString(), "test config");
        GgufWriter w = new GgufWriter();
        w.string("general.architecture", "llada2");
        List<String> notes = GgufTokenizer.write(root, json, c, w);
        Path file = tmp.resolve(name + ".gguf");
        w.write(file, List.of());
        boolean nfc = name.startsWith("qwen3");
        assertEquals(nfc, notes.stream().anyMatch(n -> n.contains("normalizer")), notes.toString());
        Tokenizer t;
        try (Arena arena = Arena.ofConfined()) {
            GgufFile f = GgufFile.open(file, arena);
            assertEquals(switch (name) {
                case "llama3" -> "llama-bpe";
                case "qwen3" -> "qwen2";
                default -> "bailingmoe2";
            }, f.metadata().string(GgufTokenizer.PRE).orElseThrow());
            t = GgufTokenizer.read(f.metadata(), file).orElseThrow();
        }
        int compared = 0;
        for (GoldenCases.Case k : g.cases()) {
            if (nfc && !java.text.Normalizer.isNormalized(k.text(), java.text.Normalizer.Form.NFC)) {
                continue;
            }
            compared++;
            int[] ids = t.encode(k.text(), false);
            assertTrue(Arrays.equals(k.ids(), ids), name + " " + k.id() + ": expected " + Arrays.toString(k.ids())
                    + ", got " + Arrays.toString(ids));
            assertEquals(k.decoded(), t.decode(k.idsDefault(), false), name + " " + k.id() + " decode");
            assertEquals(k.decodedSkipSpecial(), t.decode(k.idsDefault(), true), name + " " + k.id() + " decode skip");
        }
        assertTrue(compared >= (nfc ? 320 : GoldenCases.CASE_COUNT), name + ": only " + compared + " cases compared");
        for (GoldenCases.DecodeCase d : g.decodeCases()) {
            assertEquals(d.decoded(), t.decode(d.ids(), false), name + " decode case " + d.note());
        }
    }
}
