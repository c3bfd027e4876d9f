package dev.llada2.tornado;

import dev.llada2.backend.DeviceAssignment;
import dev.llada2.checkpoint.quant.QuantScheme;
import dev.llada2.errors.LladaException;
import dev.llada2.runtime.Placement;
import dev.llada2.testing.GgufModels;
import dev.llada2.testing.SharedData;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Until the TornadoVM kernels decode the llama.cpp block formats, the backend refuses a quantized
 * model before any device work, naming the format and a tensor that has it; a BF16 GGUF of the same
 * model is accepted.
 */
class TornadoQuantizedRefusalTest {

    @TempDir
    Path tmp;

    @Test
    void quantizedModelsAreRefusedWithTheFormat() {
        for (QuantScheme scheme : new QuantScheme[] {QuantScheme.Q8_0, QuantScheme.Q4_K_M}) {
            Path gguf = GgufModels.quantize(SharedData.model("tiny"), scheme, tmp.resolve(scheme.cliName() + ".gguf"));
            try (LoadedModel m = LoadedModel.open(gguf)) {
                TornadoBackendProvider provider = new TornadoBackendProvider();
                LladaException single = assertThrows(LladaException.class,
                        () -> provider.createEngine(m.weights(), TestEngines.device()).close());
                assertEquals(LladaException.Kind.RUNTIME, single.kind());
                // the tiny model's rows (64) are not whole K blocks: q4_k_m falls back to Q8_0 there too
                assertTrue(single.getMessage().contains("does not compute with Q8_0 weights yet"), single.getMessage());
                assertTrue(single.getMessage().contains("tensor model.word_embeddings.weight is Q8_0"), single.getMessage());
                assertTrue(single.getMessage().contains("--backend cpu"), single.getMessage());
                LladaException placed = assertThrows(LladaException.class, () -> provider.createEngine(m.weights(),
                        List.of(new DeviceAssignment(TestEngines.device(), "gpu0", java.util.OptionalInt.empty())),
                        Placement.singleDevice(m.config())).close());
                assertEquals(single.getMessage(), placed.getMessage());
            }
        }
    }

    @Test
    void aBf16GgufRuns() {
        Path gguf = GgufModels.quantize(SharedData.model("tiny"), QuantScheme.BF16, tmp.resolve("bf16.gguf"));
        try (LoadedModel m = LoadedModel.open(gguf)) {
            new TornadoBackendProvider().createEngine(m.weights(), TestEngines.device()).close();
        }
    }
}
