package dev.llada2.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.config.ConfigPresets;
import dev.llada2.weights.RandomCheckpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Random checkpoints of configurations the shared golden models do not cover: every key of the
 * config that changes the computation, one variant each, on the tiny preset's shape. The engines are
 * checked on them against each other and against their own cached/uncached runs; they were also
 * checked once against an independent numpy mirror of the official code (see the closing notes).
 */
public final class VariantConfigs {

    /** Variant name -> config.json overrides. */
    public static final Map<String, String> VARIANTS = new LinkedHashMap<>();

    static {
        VARIANTS.put("head-dim-24-rotary-quarter", "{\"head_dim\": 24, \"partial_rotary_factor\": 0.25}");
        VARIANTS.put("two-shared-two-dense", "{\"num_hidden_layers\": 4, \"num_shared_experts\": 2, \"first_k_dense_replace\": 2}");
        VARIANTS.put("two-groups-top-1", "{\"n_group\": 2, \"topk_group\": 1}");
        VARIANTS.put("biases-no-qk-norm", "{\"use_qk_norm\": false, \"use_qkv_bias\": true, \"use_bias\": true}");
        VARIANTS.put("tied-embeddings", "{\"tie_word_embeddings\": true}");
        VARIANTS.put("top-1-expert", "{\"num_experts_per_tok\": 1}");
        VARIANTS.put("one-kv-head", "{\"num_key_value_heads\": 1}");
        VARIANTS.put("all-dense", "{\"num_experts\": null}");
        VARIANTS.put("theta-eps-scaling", "{\"rope_theta\": 10000, \"rms_norm_eps\": 1e-5, \"routed_scaling_factor\": 1.0}");
    }

    private VariantConfigs() {
    }

    /** Writes the variant's random checkpoint into {@code dir}. */
    public static Path write(String variant, Path dir) {
        try {
            ObjectMapper json = new ObjectMapper();
            ObjectNode config = (ObjectNode) json.readTree(ConfigPresets.json("tiny"));
            JsonNode overrides = json.readTree(VARIANTS.get(variant));
            config.setAll((ObjectNode) overrides);
            RandomCheckpoint.write(dir, config, new RandomCheckpoint.Options(11, 1, 4.0),
                    (fills, file) -> fills.forEach(Runnable::run), b -> { });
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
