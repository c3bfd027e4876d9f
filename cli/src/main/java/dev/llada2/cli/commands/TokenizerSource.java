package dev.llada2.cli.commands;

import dev.llada2.cli.options.TokenizerOptions;
import dev.llada2.tokenizer.Tokenizer;
import picocli.CommandLine;

import java.nio.file.Path;

/** The tokenizer of {@code tokenize}/{@code detokenize}: {@code --tokenizer FILE} or the model directory's. */
final class TokenizerSource {

    private TokenizerSource() {
    }

    static Tokenizer load(CommandLine.Model.CommandSpec spec, Path modelDir, TokenizerOptions options) {
        if (modelDir == null && options.file == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --model DIR or --tokenizer FILE");
        }
        return options.require(modelDir, spec.name());
    }
}
