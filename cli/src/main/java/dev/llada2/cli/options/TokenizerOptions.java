package dev.llada2.cli.options;

import dev.llada2.checkpoint.gguf.GgufFile;
import dev.llada2.checkpoint.gguf.GgufTokenizer;
import dev.llada2.errors.LladaException;
import dev.llada2.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code --tokenizer FILE}; otherwise the model directory's {@code tokenizer.json}, or the vocabulary
 * stored in a GGUF model file ({@code tokenizer.ggml.*}).
 */
public final class TokenizerOptions {

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "tokenizer.json to use (default: the one in the model directory).")
    public Path file;

    /** The tokenizer, if the flag names one or the model directory has one. */
    public Optional<Tokenizer> find(Path modelDir) {
        if (file != null) {
            return Optional.of(Tokenizer.load(file));
        }
        if (modelDir != null && Files.isRegularFile(modelDir)) {
            try (Arena arena = Arena.ofConfined()) {
                GgufFile gguf = GgufFile.open(modelDir, arena);
                return GgufTokenizer.read(gguf.metadata(), modelDir);
            }
        }
        if (modelDir != null && Files.isRegularFile(modelDir.resolve("tokenizer.json"))) {
            return Optional.of(Tokenizer.load(modelDir.resolve("tokenizer.json")));
        }
        return Optional.empty();
    }

    /**
     * The tokenizer, or a clear error saying what {@code purpose} needs and how to proceed without it:
     * {@code withoutIt} names the way out the command offers (null when it has none).
     */
    public Tokenizer require(Path modelDir, String purpose, String withoutIt) {
        return find(modelDir).orElseThrow(() -> LladaException.input((modelDir == null ? "no model directory"
                : Files.isRegularFile(modelDir) ? modelDir + " stores no vocabulary (tokenizer.ggml.model is \"none\")"
                : modelDir + " has no tokenizer.json") + ": " + purpose + " needs a tokenizer. Pass --tokenizer FILE"
                + (withoutIt == null ? "." : ", or " + withoutIt + ".")));
    }
}
