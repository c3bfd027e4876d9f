package dev.llada2.weights;

import dev.llada2.checkpoint.Checkpoint;
import dev.llada2.checkpoint.gguf.GgufCheckpoint;
import dev.llada2.checkpoint.gguf.GgufFile;
import dev.llada2.config.ConfigLoader;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntConsumer;

/**
 * A model opened for computing: its config, its memory-mapped checkpoint and the weights bound to
 * the architecture. The model is a Hugging Face directory (config.json + safetensors) or a single
 * llama.cpp GGUF file (config from its metadata). Closing it unmaps the files, after which the
 * weights are unusable.
 */
public record LoadedModel(Path dir, LLaDA2Config config, Checkpoint checkpoint, LLaDA2Weights weights,
                          BindReport report) implements AutoCloseable {

    /**
     * Opens {@code dir} (a model directory, or a {@code .gguf} file); {@code onShard} is told how many
     * checkpoint files have been mapped so far.
     */
    public static LoadedModel open(Path dir, IntConsumer onShard) {
        LLaDA2Config config;
        Checkpoint checkpoint;
        if (Files.isRegularFile(dir)) {
            if (!GgufFile.isGguf(dir)) {
                throw LladaException.input(dir + ": not a GGUF file (it does not start with \"GGUF\"): a model is a"
                        + " directory with config.json and *.safetensors, or a llama.cpp .gguf file");
            }
            GgufCheckpoint.Opened gguf = GgufCheckpoint.open(dir);
            onShard.accept(1);
            config = gguf.config();
            checkpoint = gguf.checkpoint();
        } else {
            config = ConfigLoader.load(dir);
            checkpoint = Checkpoint.open(dir, onShard);
        }
        try {
            WeightBinder.Result bound = WeightBinder.bind(config, checkpoint);
            return new LoadedModel(dir, config, checkpoint, bound.weights(), bound.report());
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    public static LoadedModel open(Path dir) {
        return open(dir, n -> { });
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
