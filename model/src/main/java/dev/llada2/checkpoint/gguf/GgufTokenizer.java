package dev.llada2.checkpoint.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;
import dev.llada2.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The tokenizer in a GGUF file's {@code tokenizer.ggml.*} metadata, both ways, for byte-level BPE
 * vocabularies ({@code tokenizer.ggml.model = "gpt2"}): {@code tokens} (index = id),
 * {@code token_type} (1 normal, 3 control, 4 user-defined, 5 unused, 6 byte), {@code merges}
 * ({@code "left right"} in rank order) and {@code pre}, llama.cpp's name for the pre-tokenizer
 * regex. Reading builds the equivalent {@code tokenizer.json} (BPE model, control tokens as special
 * added tokens, user-defined ones as non-special, a Split + ByteLevel pre-tokenizer with the regex
 * {@code pre} names, a ByteLevel decoder) and hands it to {@link Tokenizer}. As llama.cpp does, no
 * normalizer is applied (a tokenizer.json's NFC step is not representable in GGUF).
 */
public final class GgufTokenizer {

    public static final String MODEL = "tokenizer.ggml.model";
    public static final String PRE = "tokenizer.ggml.pre";
    public static final String TOKENS = "tokenizer.ggml.tokens";
    public static final String TOKEN_TYPE = "tokenizer.ggml.token_type";
    public static final String MERGES = "tokenizer.ggml.merges";

    static final int NORMAL = 1;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;

    /** llama.cpp's pre-tokenizer names and the tokenizer.json regex each stands for. */
    enum Pre {
        /** Ling 2.0 / LLaDA2.0 (and LLaDA-MoE): possessive quantifiers as in their tokenizer.json. */
        BAILINGMOE2("bailingmoe2", "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*"
                + "|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+", false, "bailingmoe", "llada-moe"),
        QWEN2("qwen2", "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", false),
        /** Llama 3: digits in threes; llama.cpp also turns on ignore_merges for it. */
        LLAMA_BPE("llama-bpe", "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", true, "llama3", "llama-v3");

        final String name;
        final String regex;
        final boolean ignoreMerges;
        final List<String> aliases;

        Pre(String name, String regex, boolean ignoreMerges, String... aliases) {
            this.name = name;
            this.regex = regex;
            this.ignoreMerges = ignoreMerges;
            this.aliases = List.of(aliases);
        }

        static Optional<Pre> named(String name) {
            return Arrays.stream(values()).filter(p -> p.name.equals(name) || p.aliases.contains(name)).findFirst();
        }

        static Optional<Pre> ofRegex(String regex) {
            return Arrays.stream(values()).filter(p -> p.regex.equals(regex)).findFirst();
        }

        static String names() {
            return Arrays.stream(values()).map(p -> p.name).toList().toString();
        }
    }

    private GgufTokenizer() {
    }

    /** The tokenizer in {@code m}, or empty when the file carries none ({@code model} absent or "none"). */
    public static Optional<Tokenizer> read(GgufMetadata m, Path file) {
        String model = m.string(MODEL).orElse("none");
        if (model.equals("none")) {
            return Optional.empty();
        }
        if (!model.equals("gpt2")) {
            throw m.error(MODEL, "\"" + model + "\" is not supported: this engine reads byte-level BPE vocabularies"
                    + " (\"gpt2\"); pass a tokenizer.json with --tokenizer");
        }
        List<Object> tokens = m.array(TOKENS, GgufValueType.STRING).orElseThrow(() -> m.missing(TOKENS,
                "the vocabulary of a \"gpt2\" tokenizer"));
        List<Object> types = m.array(TOKEN_TYPE, GgufValueType.INT32, GgufValueType.UINT32).orElse(List.of());
        if (!types.isEmpty() && types.size() != tokens.size()) {
            throw m.error(TOKEN_TYPE, "has " + types.size() + " entries for " + tokens.size() + " tokens");
        }
        List<Object> merges = m.array(MERGES, GgufValueType.STRING).orElseThrow(() -> m.missing(MERGES,
                "the merges of a \"gpt2\" tokenizer"));
        String preName = m.string(PRE).orElse("default");
        Pre pre = Pre.named(preName).orElseThrow(() -> m.error(PRE, "pre-tokenizer \"" + preName + "\" is not"
                + " supported (supported: " + Pre.names() + " and their aliases); pass a tokenizer.json with --tokenizer"));

        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        ObjectNode vocab = f.objectNode();
        ArrayNode added = f.arrayNode();
        Set<String> addedContents = new HashSet<>();
        for (int id = 0; id < tokens.size(); id++) {
            String token = (String) tokens.get(id);
            int type = types.isEmpty() ? NORMAL : ((Number) types.get(id)).intValue();
            if (type == UNUSED || token.isEmpty()) {
                continue;
            }
            if (!vocab.has(token)) {
                vocab.put(token, id);
            }
            if ((type == CONTROL || type == USER_DEFINED) && addedContents.add(token)) {
                added.addObject().put("id", id).put("content", token).put("special", type == CONTROL)
                        .put("normalized", false).put("lstrip", false).put("rstrip", false).put("single_word", false);
            }
        }
        ObjectNode bpe = root.putObject("model");
        bpe.put("type", "BPE");
        bpe.set("vocab", vocab);
        ArrayNode mergeArray = bpe.putArray("merges");
        merges.forEach(x -> mergeArray.add((String) x));
        bpe.put("ignore_merges", pre.ignoreMerges);
        root.set("added_tokens", added);
        ObjectNode preTokenizer = root.putObject("pre_tokenizer");
        preTokenizer.put("type", "Sequence");
        ArrayNode steps = preTokenizer.putArray("pretokenizers");
        ObjectNode split = steps.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", pre.regex);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false)
                .put("use_regex", false);
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false)
                .put("use_regex", false);
        return Optional.of(Tokenizer.fromJson(file, root));
    }

    /**
     * Writes {@code tokenizer.ggml.*} for the parsed {@code tokenizer.json} ({@code source} names it in
     * errors), padded with unused {@code [PADn]} tokens to the model's vocabulary as llama.cpp's
     * converter does, plus the special ids of {@code c}.
     *
     * @return what could not be carried over (to tell the user)
     */
    public static List<String> write(JsonNode tokenizerJson, Path source, LLaDA2Config c, GgufWriter w) {
        List<String> notes = new ArrayList<>();
        JsonNode model = tokenizerJson.path("model");
        if (!model.path("type").asText("BPE").equals("BPE") || !model.path("vocab").isObject()) {
            throw LladaException.input(source + ": only BPE tokenizers can be written to GGUF here (model.type is "
                    + model.path("type") + ")");
        }
        String regex = splitRegex(tokenizerJson.path("pre_tokenizer")).orElseThrow(() -> LladaException.input(source
                + ": the pre_tokenizer has no Split regex that llama.cpp could name (expected Sequence[Split(Regex),"
                + " ByteLevel] as in LLaDA2.0, Qwen or Llama 3 tokenizers)"));
        Pre pre = Pre.ofRegex(regex).orElseThrow(() -> LladaException.input(source + ": the pre-tokenizer regex "
                + regex + " is not one llama.cpp knows by name (" + Pre.names() + "); GGUF stores only that name"));
        JsonNode normalizer = tokenizerJson.path("normalizer");
        if (!normalizer.isMissingNode() && !normalizer.isNull()) {
            notes.add("the tokenizer's normalizer (" + normalizer.path("type").asText() + ") is not stored: GGUF"
                    + " tokenizers have none, as in llama.cpp");
        }
        int size = c.vocabSize();
        String[] tokens = new String[size];
        int[] types = new int[size];
        for (Map.Entry<String, JsonNode> e : model.path("vocab").properties()) {
            int id = e.getValue().asInt(-1);
            place(tokens, types, id, e.getKey(), NORMAL, source);
        }
        for (JsonNode a : tokenizerJson.path("added_tokens")) {
            place(tokens, types, a.path("id").asInt(-1), a.path("content").asText(),
                    a.path("special").asBoolean(false) ? CONTROL : USER_DEFINED, source);
        }
        List<String> tokenList = new ArrayList<>(size);
        List<Integer> typeList = new ArrayList<>(size);
        for (int id = 0; id < size; id++) {
            tokenList.add(tokens[id] != null ? tokens[id] : "[PAD" + id + "]");
            typeList.add(tokens[id] != null ? types[id] : UNUSED);
        }
        List<String> mergeList = new ArrayList<>();
        for (JsonNode merge : model.path("merges")) {
            mergeList.add(merge.isArray() ? merge.get(0).asText() + " " + merge.get(1).asText() : merge.asText());
        }
        w.string(MODEL, "gpt2");
        w.string(PRE, pre.name);
        w.array(TOKENS, GgufValueType.STRING, tokenList);
        w.array(TOKEN_TYPE, GgufValueType.INT32, typeList);
        w.array(MERGES, GgufValueType.STRING, mergeList);
        writeSpecialIds(c, w);
        w.bool("tokenizer.ggml.add_bos_token", false);
        return notes;
    }

    private static void place(String[] tokens, int[] types, int id, String token, int type, Path source) {
        if (id < 0 || id >= tokens.length) {
            throw LladaException.input(source + ": token \"" + token + "\" has id " + id + ", outside the model's"
                    + " vocabulary of " + tokens.length);
        }
        tokens[id] = token;
        types[id] = type;
    }

    /** The special ids alone, with {@code model = "none"}: a file without a vocabulary. */
    public static void writeNone(LLaDA2Config c, GgufWriter w) {
        w.string(MODEL, "none");
        writeSpecialIds(c, w);
    }

    private static void writeSpecialIds(LLaDA2Config c, GgufWriter w) {
        c.eosTokenId().ifPresent(id -> w.u32("tokenizer.ggml.eos_token_id", id));
        c.padTokenId().ifPresent(id -> w.u32("tokenizer.ggml.padding_token_id", id));
        c.maskTokenId().ifPresent(id -> w.u32("tokenizer.ggml.mask_token_id", id));
    }

    /** Copies every {@code tokenizer.*} key of another GGUF file (requantizing keeps its vocabulary). */
    public static void copy(GgufMetadata from, GgufWriter w) {
        from.values().forEach((key, value) -> {
            if (key.startsWith("tokenizer.")) {
                w.put(key, from.type(key).orElseThrow(), value);
            }
        });
    }

    private static Optional<String> splitRegex(JsonNode pre) {
        if (pre.path("type").asText().equals("Split")) {
            return Optional.ofNullable(pre.path("pattern").path("Regex").textValue());
        }
        for (JsonNode step : pre.path("pretokenizers")) {
            Optional<String> r = splitRegex(step);
            if (r.isPresent()) {
                return r;
            }
        }
        return Optional.empty();
    }
}
