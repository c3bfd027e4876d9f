package dev.llada2.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.config.ConfigPresets;
import dev.llada2.errors.LladaException;
import dev.llada2.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.llada2.testing.Messages.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Binding checkpoints to the architecture: the shared models bind completely; a config that does
 * not match the checkpoint names the missing and mis-shaped tensors; random checkpoints round-trip,
 * single-file and sharded.
 */
class WeightBinderTest {

    @TempDir
    Path dir;

    @Test
    void sharedModelsBindCompletely() {
        for (String name : new String[] {"tiny", "small"}) {
            try (LoadedModel m = LoadedModel.open(SharedData.model(name))) {
                assertTrue(m.report().ok());
                assertTrue(m.report().unexpected().isEmpty(), name + ": " + m.report().unexpected());
                assertEquals(m.config().numHiddenLayers(), m.weights().layers().size());
            }
        }
    }

    @Test
    void configWithMoreLayersThanTheCheckpointNamesTheMissingTensors() throws Exception {
        copyModel("tiny", "\"num_hidden_layers\": 3", "\"num_hidden_layers\": 4");
        LladaException e = assertThrows(LladaException.class, () -> LoadedModel.open(dir));
        assertContains(e.getMessage(), "does not match config.json", "missing tensors",
                "model.layers.3.input_layernorm.weight [64]");
    }

    @Test
    void configWithAnotherShapeNamesTheMismatch() throws Exception {
        copyModel("tiny", "\"moe_intermediate_size\": 32", "\"moe_intermediate_size\": 16");
        LladaException e = assertThrows(LladaException.class, () -> LoadedModel.open(dir));
        assertContains(e.getMessage(), "shape mismatches", "model.layers.1.mlp.experts.0.gate_proj.weight: expected [16, 64]"
                + " from config.json, found [32, 64]");
    }

    @Test
    void missingBiasExplainsTheUseBiasDefault() throws Exception {
        copyModel("tiny", "\"use_bias\": false", "\"use_bias\": true");
        LladaException e = assertThrows(LladaException.class, () -> LoadedModel.open(dir));
        assertContains(e.getMessage(), "model.layers.0.attention.dense.bias", "set \"use_bias\": false");
    }

    @Test
    void randomCheckpointsRoundTripSingleAndSharded() throws Exception {
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(ConfigPresets.json("tiny"));
        for (int shards : new int[] {1, 3}) {
            Path out = dir.resolve("r" + shards);
            RandomCheckpoint.write(out, config, new RandomCheckpoint.Options(5, shards, 1.0),
                    (fills, file) -> fills.forEach(Runnable::run), b -> { });
            try (LoadedModel m = LoadedModel.open(out)) {
                assertEquals(shards, m.checkpoint().files().size());
                assertTrue(m.report().ok());
                assertEquals(0f, dev.llada2.checkpoint.TensorReader.floatAt(m.weights().lmHead().dtype(),
                        m.weights().lmHead().data(), (long) m.config().maskTokenId().orElseThrow() * 64), "mask row is zero");
            }
        }
    }

    private void copyModel(String name, String from, String to) throws Exception {
        Path src = SharedData.model(name);
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        String config = Files.readString(dir.resolve("config.json"));
        assertTrue(config.contains(from), "fixture changed: " + from);
        Files.writeString(dir.resolve("config.json"), config.replace(from, to));
    }
}
