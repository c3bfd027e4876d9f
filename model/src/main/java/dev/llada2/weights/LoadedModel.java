package dev.llada2.weights;

import dev.llada2.checkpoint.Checkpoint;
import dev.llada2.config.ConfigLoader;
import dev.llada2.config.LLaDA2Config;

import java.nio.file.Path;
import java.util.function.IntConsumer;

/**
 * A model directory opened for computing: its config, its memory-mapped checkpoint and the weights
 * bound to the architecture. Closing it unmaps the files, after which the weights are unusable.
 */
public record LoadedModel(Path dir, LLaDA2Config config, Checkpoint checkpoint, LLaDA2Weights weights,
                          BindReport report) implements AutoCloseable {

    /** Opens {@code dir}; {@code onShard} is told how many checkpoint files have been mapped so far. */
    public static LoadedModel open(Path dir, IntConsumer onShard) {
        LLaDA2Config config = ConfigLoader.load(dir);
        Checkpoint checkpoint = Checkpoint.open(dir, onShard);
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
