package dev.llada2.perf.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.checkpoint.gguf.GgufTokenizer;
import dev.llada2.checkpoint.quant.QuantScheme;
import dev.llada2.config.ConfigPresets;
import dev.llada2.quantize.ModelQuantizer;
import dev.llada2.weights.LoadedModel;
import dev.llada2.weights.RandomCheckpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Random checkpoints with the real LLaDA2.0-mini layer dimensions for the layer benchmarks: one
 * decoder layer, dense or MoE, with a small vocabulary (the head is not measured). Written once under
 * {@code perf/target/bench-models} (or {@code -Dllada2.bench.models=DIR}) and reused.
 */
public final class BenchModels {

    private BenchModels() {
    }

    /**
     * The mini layer as {@code llada2 quantize --type weights} writes it ({@code bf16}: the BF16
     * checkpoint itself), written once beside it.
     */
    public static Path miniLayer(String kind, String weights) {
        Path bf16 = miniLayer(kind);
        if (weights.equals("bf16")) {
            return bf16;
        }
        QuantScheme scheme = QuantScheme.parse(weights).orElseThrow(() -> new IllegalArgumentException(weights));
        Path gguf = root().resolve("mini-" + kind + "-layer-" + scheme.cliName() + ".gguf");
        if (!Files.exists(gguf)) {
            try (LoadedModel m = LoadedModel.open(bf16)) {
                ModelQuantizer.write(m, scheme, w -> GgufTokenizer.writeNone(m.config(), w), gguf, (t, d, n) -> { });
            }
        }
        return gguf;
    }

    private static Path root() {
        return Path.of(System.getProperty("llada2.bench.models", "target/bench-models"));
    }

    /** @param kind "dense" (layer 0 of mini) or "moe" (a MoE layer of mini) */
    public static Path miniLayer(String kind) {
        Path root = root();
        Path dir = root.resolve("mini-" + kind + "-layer");
        if (Files.exists(dir.resolve("done"))) {
            return dir;
        }
        try {
            ObjectNode config = (ObjectNode) new ObjectMapper().readTree(ConfigPresets.json("mini"));
            config.put("num_hidden_layers", 1);
            config.put("first_k_dense_replace", kind.equals("dense") ? 1 : 0);
            config.put("vocab_size", 1024);
            config.put("mask_token_id", 1000);
            config.put("pad_token_id", 999);
            RandomCheckpoint.write(dir, config, new RandomCheckpoint.Options(1, 1, 1.0),
                    (fills, file) -> fills.parallelStream().forEach(Runnable::run), done -> { });
            Files.writeString(dir.resolve("done"), "ok\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
