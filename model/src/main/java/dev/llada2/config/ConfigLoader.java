package dev.llada2.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.llada2.errors.LladaException;
import dev.llada2.io.IoErrors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads {@code config.json} into a {@link LLaDA2Config}.
 *
 * <p>Defaults for missing keys are those of the official {@code configuration_llada2_moe.py}
 * (spec §2.1), with two decisions written down here:
 * <ul>
 *   <li>{@code num_key_value_heads} missing or 0 means "as many as the attention heads" (the class
 *       stores 0, which the official attention could not run with);</li>
 *   <li>{@code use_bias} defaults to true as in the class, so a checkpoint without
 *       {@code attention.dense.bias} must say {@code "use_bias": false} (every published one does).</li>
 * </ul>
 * Keys the official model code does not read ({@code score_function}, {@code norm_topk_prob},
 * {@code norm_head}, {@code router_dtype}, {@code rotary_dim} ...) do not change the computation;
 * where their value differs from what the code does, a note says so. Unknown keys are tolerated; the
 * keys that fix the tensor shapes ({@link #REQUIRED}) are not defaulted, and {@code architectures} and
 * {@code model_type} must both name LLaDA2 where given.
 */
public final class ConfigLoader {

    static final String ARCHITECTURE = "LLaDA2MoeModelLM";

    /** The keys that fix the tensor shapes: a default for them would only turn into missing-tensor errors. */
    private static final List<String> REQUIRED = List.of("vocab_size", "hidden_size", "num_hidden_layers",
            "num_attention_heads");

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private ConfigLoader() {
    }

    /** Reads {@code dir/config.json}, or the file itself when {@code path} is a file. */
    public static LLaDA2Config load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw LladaException.input(file + ": not found (a LLaDA2 model directory holds config.json"
                    + " next to its *.safetensors files)");
        } catch (IOException e) {
            throw LladaException.input(file + ": cannot read: " + IoErrors.reason(file, e), e);
        }
        return parse(text, file.toString());
    }

    public static LLaDA2Config parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw LladaException.input(source + ": not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw LladaException.input(source + ": expected a JSON object at the top level");
        }
        return new Reader(root, source).read();
    }

    /** One read of one file; collects notes while it goes. */
    private static final class Reader {
        private final JsonNode root;
        private final String source;
        private final List<String> notes = new ArrayList<>();

        Reader(JsonNode root, String source) {
            this.root = root;
            this.source = source;
        }

        LLaDA2Config read() {
            checkArchitecture();
            for (String key : REQUIRED) {
                if (!has(key) || root.get(key).isNull()) {
                    throw fail("\"" + key + "\" is missing; a LLaDA2 config.json states it (the engine does not guess"
                            + " the model's shape)");
                }
            }
            String act = string("hidden_act", "silu");
            if (!act.equals("silu")) {
                throw fail("hidden_act \"" + act + "\" is not supported: LLaDA2 uses \"silu\" (SwiGLU)");
            }
            int vocab = integer("vocab_size", 30592);
            int hidden = integer("hidden_size", 1024);
            int heads = integer("num_attention_heads", 16);
            int kvHeads = integer("num_key_value_heads", 0);
            if (kvHeads == 0) {
                kvHeads = heads;
                notes.add("num_key_value_heads missing or 0: using one key/value head per attention head ("
                        + heads + ")");
            }
            if (heads <= 0) {
                throw fail("num_attention_heads must be > 0, found " + heads);
            }
            int headDim = has("head_dim") ? integer("head_dim", 0) : hidden / heads;
            double partial = number("partial_rotary_factor", 0.5);
            if (!(partial > 0 && partial <= 1)) {
                throw fail("partial_rotary_factor must be in (0, 1], found " + partial);
            }
            int rotaryDim = (int) (headDim * partial);
            if (has("rotary_dim") && integer("rotary_dim", rotaryDim) != rotaryDim) {
                notes.add("rotary_dim " + integer("rotary_dim", rotaryDim) + " is informational; the official code"
                        + " rotates head_dim x partial_rotary_factor = " + rotaryDim + " dimensions, as does this engine");
            }
            int maxPositions = integer("max_position_embeddings", 16384);
            RopeConfig rope = rope(rotaryDim, maxPositions);

            boolean moe = has("num_experts") && !root.get("num_experts").isNull();
            int experts = moe ? integer("num_experts", 16) : (has("num_experts") ? 0 : 16);
            ignoredValue("score_function", "sigmoid", "the official router always applies a sigmoid");
            ignoredValue("norm_topk_prob", true, "the official router always renormalises the top-k weights");
            ignoredValue("norm_head", false, "the official model code never reads it");
            ignoredValue("router_dtype", "fp32", "the router always runs in fp32");
            ignoredValue("use_sliding_window", false, "the official model code never applies a sliding window");

            return new LLaDA2Config(source, vocab, hidden, integer("intermediate_size", 0),
                    integer("num_hidden_layers", 24), heads, kvHeads, headDim,
                    (float) number("rms_norm_eps", 1e-5), rope, maxPositions,
                    experts, integer("num_experts_per_tok", 2), integer("num_shared_experts", 0),
                    integer("n_group", 8), integer("topk_group", 4), (float) number("routed_scaling_factor", 2.5),
                    integer("moe_intermediate_size", 0), integer("first_k_dense_replace", 0),
                    bool("use_qk_norm", true), bool("use_qkv_bias", false), bool("use_bias", true),
                    bool("tie_word_embeddings", false), bool("moe_router_enable_expert_bias", true),
                    optionalId("mask_token_id"), optionalId("eos_token_id"), optionalId("pad_token_id"),
                    string("torch_dtype", string("dtype", "bfloat16")), notes);
        }

        /** Both names must be LLaDA2's where given (a config naming another model is not one), and one must be. */
        private void checkArchitecture() {
            JsonNode archs = root.get("architectures");
            String type = string("model_type", null);
            if (archs == null || archs.isNull()) {
                if (type == null) {
                    throw fail("neither \"architectures\" nor \"model_type\" is set; expected architectures [\""
                            + ARCHITECTURE + "\"]");
                }
            } else {
                if (!archs.isArray()) {
                    throw fail("\"architectures\" must be a list of names, found " + archs);
                }
                boolean found = false;
                for (JsonNode a : archs) {
                    found |= ARCHITECTURE.equals(a.asText());
                }
                if (!found) {
                    throw fail("unsupported architecture " + archs + ": this engine runs " + ARCHITECTURE
                            + " (LLaDA2.0 mini/flash)");
                }
            }
            if (type != null && !type.startsWith("llada2_moe")) {
                throw fail("unsupported model_type \"" + type + "\": this engine runs llada2_moe ("
                        + ARCHITECTURE + ")");
            }
        }

        private RopeConfig rope(int rotaryDim, int maxPositions) {
            double theta = number("rope_theta", 10000.0);
            JsonNode scaling = root.get("rope_parameters");
            if (scaling == null || scaling.isNull()) {
                scaling = root.get("rope_scaling");
            }
            if (scaling == null || scaling.isNull()) {
                return RopeConfig.unscaled(theta, rotaryDim);
            }
            if (!scaling.isObject()) {
                throw fail("rope_scaling must be an object or null, found " + scaling);
            }
            if (scaling.hasNonNull("rope_theta")) {
                theta = scaling.get("rope_theta").asDouble();
            }
            JsonNode typeNode = scaling.hasNonNull("rope_type") ? scaling.get("rope_type") : scaling.get("type");
            String type = typeNode == null || typeNode.isNull() ? "default" : typeNode.asText();
            double factor = scaling.hasNonNull("factor") ? scaling.get("factor").asDouble() : 1.0;
            return switch (type) {
                case "default" -> RopeConfig.unscaled(theta, rotaryDim);
                case "linear" -> new RopeConfig(theta, rotaryDim, "linear", factor, maxPositions, 32, 1, 1.0, true);
                case "yarn" -> {
                    int original = scaling.hasNonNull("original_max_position_embeddings")
                            ? scaling.get("original_max_position_embeddings").asInt() : maxPositions;
                    double attention;
                    if (scaling.hasNonNull("attention_factor")) {
                        attention = scaling.get("attention_factor").asDouble();
                    } else if (scaling.hasNonNull("mscale") && scaling.hasNonNull("mscale_all_dim")) {
                        attention = yarnMscale(factor, scaling.get("mscale").asDouble())
                                / yarnMscale(factor, scaling.get("mscale_all_dim").asDouble());
                    } else {
                        attention = yarnMscale(factor, 1.0);
                    }
                    double fast = scaling.hasNonNull("beta_fast") ? scaling.get("beta_fast").asDouble() : 32;
                    double slow = scaling.hasNonNull("beta_slow") ? scaling.get("beta_slow").asDouble() : 1;
                    boolean truncate = !scaling.hasNonNull("truncate") || scaling.get("truncate").asBoolean();
                    yield new RopeConfig(theta, rotaryDim, "yarn", factor, original, fast, slow, attention, truncate);
                }
                default -> throw fail("rope_scaling type \"" + type + "\" is not supported (supported: default,"
                        + " linear, yarn)");
            };
        }

        private static double yarnMscale(double scale, double mscale) {
            return scale <= 1 ? 1.0 : 0.1 * mscale * Math.log(scale) + 1.0;
        }

        private boolean has(String key) {
            return root.has(key);
        }

        private LladaException fail(String message) {
            return LladaException.input(source + ": " + message);
        }

        private int integer(String key, int fallback) {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isIntegralNumber() && !(n.isNumber() && n.asDouble() == Math.rint(n.asDouble()))) {
                throw fail("\"" + key + "\" must be an integer, found " + n);
            }
            long v = n.asLong();
            if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
                throw fail("\"" + key + "\" is out of range: " + n);
            }
            return (int) v;
        }

        private double number(String key, double fallback) {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isNumber()) {
                throw fail("\"" + key + "\" must be a number, found " + n);
            }
            return n.asDouble();
        }

        private boolean bool(String key, boolean fallback) {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isBoolean()) {
                throw fail("\"" + key + "\" must be true or false, found " + n);
            }
            return n.asBoolean();
        }

        private String string(String key, String fallback) {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isTextual()) {
                throw fail("\"" + key + "\" must be a string, found " + n);
            }
            return n.asText();
        }

        /** An id key; HF allows a list (several EOS ids): the first one is the decoder's. */
        private Optional<Integer> optionalId(String key) {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return Optional.empty();
            }
            if (n.isArray()) {
                if (n.isEmpty()) {
                    return Optional.empty();
                }
                if (n.size() > 1) {
                    notes.add("\"" + key + "\" lists " + n + ": the decoder uses the first, " + n.get(0));
                }
                n = n.get(0);
            }
            if (!n.isIntegralNumber()) {
                throw fail("\"" + key + "\" must be a token id (integer), found " + n);
            }
            return Optional.of(n.asInt());
        }

        private void ignoredValue(String key, Object expected, String why) {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return;
            }
            Object found = n.isBoolean() ? (Object) n.asBoolean() : n.asText();
            if (!found.equals(expected)) {
                notes.add("\"" + key + "\": " + n + " has no effect: " + why);
            }
        }
    }
}
