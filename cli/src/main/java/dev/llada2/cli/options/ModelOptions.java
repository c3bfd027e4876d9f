package dev.llada2.cli.options;

import dev.llada2.checkpoint.Checkpoint;
import dev.llada2.cli.output.Terminal;
import dev.llada2.weights.LoadedModel;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;

/** {@code --model DIR|FILE.gguf}: a Hugging Face LLaDA2 checkpoint directory or a GGUF file, opened with a progress bar. */
public final class ModelOptions {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR|FILE.gguf",
            description = "Model directory: config.json, model.safetensors or shards + model.safetensors.index.json"
                    + " (and tokenizer.json for text); or one llama.cpp GGUF file (llada2), which holds all of it.")
    public Path dir;

    /**
     * Maps and validates the checkpoint and binds the weights, showing progress per file on a
     * terminal; prints the config's notes and ignored tensors to {@code log}.
     */
    public LoadedModel open(PrintWriter log, boolean quiet) {
        Terminal.StatusLine status = new Terminal.StatusLine(log);
        int files = Checkpoint.shardCount(dir);
        status.show("opening " + dir + " " + Terminal.bar(0, 30), true);
        LoadedModel model;
        try {
            model = LoadedModel.open(dir, n -> status.show("opening " + dir + " "
                    + Terminal.bar(files == 0 ? 0 : (double) n / files, 30) + " (" + n + "/" + files + " files)", true));
        } finally {
            status.clear();
        }
        if (!quiet) {
            model.config().notes().forEach(n -> log.println("llada2: note: " + n));
            if (!model.report().unexpected().isEmpty()) {
                log.println("llada2: note: " + model.report().unexpected().size()
                        + " tensors in the checkpoint are not part of the model and are ignored, e.g. "
                        + model.report().unexpected().getFirst());
            }
        }
        return model;
    }
}
