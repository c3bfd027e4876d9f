package dev.llada2.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.errors.LladaException;
import dev.llada2.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.llada2.testing.Messages.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * config.json reading: the shared models, the real mini/flash key sets, defaults of the official
 * config class, every key the official code reads, and specific errors for bad values.
 */
class ConfigLoaderTest {

    static LLaDA2Config parse(String json) {
        return ConfigLoader.parse(json, "test config.json");
    }

    /** A small valid config with {@code extra} keys set (replacing the defaults here). */
    static String minimal(String extra) {
        try {
            ObjectMapper json = new ObjectMapper();
            ObjectNode base = (ObjectNode) json.readTree("{\"architectures\":[\"LLaDA2MoeModelLM\"],\"vocab_size\":100,"
                    + "\"hidden_size\":64,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"num_hidden_layers\":2,"
                    + "\"intermediate_size\":96,\"moe_intermediate_size\":16,\"num_experts\":8,\"num_experts_per_tok\":2,"
                    + "\"n_group\":2,\"topk_group\":1}");
            base.setAll((ObjectNode) json.readTree("{" + extra + "}"));
            return base.toString();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void sharedTinyModel() {
        LLaDA2Config c = ConfigLoader.load(SharedData.model("tiny"));
        assertEquals(512, c.vocabSize());
        assertEquals(16, c.headDim());
        assertEquals(8, c.rope().rotaryDim());
        assertEquals(507, c.maskTokenId().orElseThrow());
        assertEquals(321, c.eosTokenId().orElseThrow());
        assertFalse(c.isMoeLayer(0));
        assertTrue(c.isMoeLayer(1));
        assertEquals(4 * 16 + 2 * 2 * 16, c.qkvRows());
    }

    @Test
    void realMiniAndFlashPresets() {
        LLaDA2Config mini = ConfigPresets.load("mini");
        assertEquals(20, mini.numHiddenLayers());
        assertEquals(64, mini.rope().rotaryDim());
        assertEquals(3072, mini.qkvRows());
        assertTrue(mini.useQkNorm(), "use_qk_norm is absent from the real config and defaults to true");
        LLaDA2Config flash = ConfigPresets.load("flash");
        assertEquals(32 * 128 + 2 * 4 * 128, flash.qkvRows());
        assertEquals(1024, flash.sharedIntermediateSize());
    }

    @Test
    void defaultsOfTheOfficialConfigClass() {
        LLaDA2Config c = parse("{\"model_type\":\"llada2_moe\",\"intermediate_size\":8,\"moe_intermediate_size\":4,"
                + "\"vocab_size\":30592,\"hidden_size\":1024,\"num_hidden_layers\":24,\"num_attention_heads\":16}");
        assertEquals(16, c.numKeyValueHeads(), "num_key_value_heads 0 means one per attention head");
        assertEquals(64, c.headDim());
        assertEquals(1e-5f, c.rmsNormEps());
        assertEquals(10000.0, c.rope().theta());
        assertEquals(32, c.rope().rotaryDim(), "partial_rotary_factor defaults to 0.5");
        assertEquals(16, c.numExperts());
        assertEquals(2, c.numExpertsPerTok());
        assertEquals(0, c.numSharedExperts());
        assertEquals(0, c.firstKDenseReplace());
        assertTrue(c.useQkNorm());
        assertTrue(c.useBias(), "use_bias defaults to true in the official class");
        assertFalse(c.useQkvBias());
        assertTrue(c.maskTokenId().isEmpty());
    }

    @Test
    void theShapeKeysAreRequiredAndTheModelMustBeLLaDA2() {
        for (String key : new String[] {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads"}) {
            ObjectNode c;
            try {
                c = (ObjectNode) new ObjectMapper().readTree(minimal(""));
            } catch (JsonProcessingException e) {
                throw new AssertionError(e);
            }
            c.remove(key);
            LladaException e = assertThrows(LladaException.class, () -> parse(c.toString()));
            assertContains(e.getMessage(), "test config.json: \"" + key + "\" is missing");
        }
        LladaException bert = assertThrows(LladaException.class, () -> parse(minimal("\"model_type\":\"bert\"")));
        assertContains(bert.getMessage(), "unsupported model_type \"bert\"");
        assertEquals(3, bert.exitCode());
    }

    @Test
    void everyShapeKeyIsHonoured() {
        LLaDA2Config c = parse(minimal("\"head_dim\":24,\"partial_rotary_factor\":0.25,\"num_shared_experts\":2,"
                + "\"first_k_dense_replace\":2,\"routed_scaling_factor\":1.5,\"use_qk_norm\":false,\"use_qkv_bias\":true,"
                + "\"rotary_dim\":99,\"tie_word_embeddings\":true"));
        assertEquals(24, c.headDim());
        assertEquals(6, c.rope().rotaryDim());
        assertEquals(32, c.sharedIntermediateSize());
        assertFalse(c.isMoeLayer(1));
        assertEquals(1.5f, c.routedScalingFactor());
        assertFalse(c.useQkNorm());
        assertTrue(c.useQkvBias());
        assertTrue(c.tieWordEmbeddings());
        assertTrue(c.notes().stream().anyMatch(n -> n.contains("rotary_dim 99 is informational")));
    }

    @Test
    void eosListUsesItsFirstIdAndUnknownKeysAreTolerated() {
        LLaDA2Config c = parse(minimal("\"eos_token_id\":[7,8],\"some_future_key\":{\"x\":1}"));
        assertEquals(7, c.eosTokenId().orElseThrow());
    }

    @Test
    void yarnAndLinearRopeScaling() {
        LLaDA2Config linear = parse(minimal("\"rope_scaling\":{\"type\":\"linear\",\"factor\":2.0}"));
        float[] base = parse(minimal("")).rope().inverseFrequencies();
        assertEquals(base[1] / 2, linear.rope().inverseFrequencies()[1], 1e-12);
        LLaDA2Config yarn = parse(minimal("\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":2.0,"
                + "\"original_max_position_embeddings\":4096}"));
        assertEquals(0.1 * Math.log(2) + 1, yarn.rope().attentionFactor(), 1e-12);
    }

    @Test
    void unsupportedArchitecture() {
        LladaException e = assertThrows(LladaException.class,
                () -> parse("{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":8}"));
        assertContains(e.getMessage(), "test config.json", "unsupported architecture", "LlamaForCausalLM");
    }

    @Test
    void inconsistentHeads() {
        LladaException e = assertThrows(LladaException.class, () -> parse(minimal("\"num_key_value_heads\":3")));
        assertContains(e.getMessage(), "num_attention_heads (4) must be a multiple of num_key_value_heads (3)");
    }

    @Test
    void expertsNotDivisibleIntoGroups() {
        LladaException e = assertThrows(LladaException.class, () -> parse(minimal("\"n_group\":3")));
        assertContains(e.getMessage(), "num_experts (8) must be a positive multiple of n_group (3)");
    }

    @Test
    void wrongValueType() {
        LladaException e = assertThrows(LladaException.class, () -> parse(minimal("\"hidden_size\":\"big\"")));
        assertContains(e.getMessage(), "\"hidden_size\" must be an integer", "\"big\"");
    }

    @Test
    void malformedJson() {
        LladaException e = assertThrows(LladaException.class, () -> parse("{\"vocab_size\": 10,"));
        assertContains(e.getMessage(), "test config.json", "not valid JSON", "line 1");
    }

    @Test
    void unsupportedRopeScaling() {
        LladaException e = assertThrows(LladaException.class,
                () -> parse(minimal("\"rope_scaling\":{\"type\":\"longrope\",\"factor\":2}")));
        assertContains(e.getMessage(), "rope_scaling type \"longrope\" is not supported");
    }

    @Test
    void missingConfigFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Files.createDirectories(dir);
        LladaException e = assertThrows(LladaException.class, () -> ConfigLoader.load(dir));
        assertContains(e.getMessage(), "config.json", "not found");
    }

    @Test
    void maskIdOutsideTheVocabulary() {
        LladaException e = assertThrows(LladaException.class, () -> parse(minimal("\"mask_token_id\":100")));
        assertContains(e.getMessage(), "mask_token_id 100 is outside the vocabulary 0..99");
    }
}
