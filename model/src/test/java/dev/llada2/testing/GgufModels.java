package dev.llada2.testing;

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
import java.nio.file.Path;

/** GGUF files of test models, written by the engine's own quantizer. */
public final class GgufModels {

    private GgufModels() {
    }

    /** {@code model} (a checkpoint directory or GGUF file) as {@code scheme}, without a vocabulary. */
    public static Path quantize(Path model, QuantScheme scheme, Path out) {
        try (LoadedModel m = LoadedModel.open(model)) {
            ModelQuantizer.write(m, scheme, w -> GgufTokenizer.writeNone(m.config(), w), out, (t, d, n) -> { });
        }
        return out;
    }

    /**
     * A random model whose every matrix row is whole 256-element K blocks (hidden 256, expert and
     * dense widths 256/512, head_dim 64, 8 layers so that llama.cpp's Q4_K_M mix uses both Q4_K and
     * Q6_K), with a sharp head (scale 8) so the argmax is meaningful.
     */
    public static Path kBlockModel(Path dir) {
        return kBlockModel(dir, "{}");
    }

    /** {@link #kBlockModel(Path)} with further config.json overrides (a JSON object). */
    public static Path kBlockModel(Path dir, String moreOverrides) {
        return randomModel(dir, "{\"hidden_size\": 256, \"intermediate_size\": 512,"
                + " \"moe_intermediate_size\": 256, \"head_dim\": 64, \"num_hidden_layers\": 8,"
                + " \"vocab_size\": 1024, \"mask_token_id\": 1019, \"eos_token_id\": 1000}", moreOverrides);
    }

    /**
     * A random BF16 checkpoint: the {@code tiny} preset with config.json overrides applied in order (JSON
     * objects), a sharp head (scale 8).
     */
    public static Path randomModel(Path dir, String... overrides) {
        try {
            ObjectMapper json = new ObjectMapper();
            ObjectNode config = (ObjectNode) json.readTree(ConfigPresets.json("tiny"));
            for (String o : overrides) {
                config.setAll((ObjectNode) json.readTree(o));
            }
            RandomCheckpoint.write(dir, config, new RandomCheckpoint.Options(5, 1, 8.0),
                    (fills, file) -> fills.forEach(Runnable::run), b -> { });
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
