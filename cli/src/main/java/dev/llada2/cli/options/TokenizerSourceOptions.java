package dev.llada2.cli.options;

import dev.llada2.tokenizer.Tokenizer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --model DIR} or {@code --tokenizer FILE}: where {@code tokenize}/{@code detokenize} get their tokenizer. */
public final class TokenizerSourceOptions {

    @Option(names = {"-m", "--model"}, paramLabel = "DIR|FILE.gguf",
            description = "Model directory holding tokenizer.json, or a GGUF file with its vocabulary.")
    Path modelDir;

    @Mixin
    TokenizerOptions tokenizer;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    public Tokenizer load(String purpose) {
        if (modelDir == null && tokenizer.file == null) {
            throw new ParameterException(command.commandLine(), "give --model DIR or --tokenizer FILE");
        }
        return tokenizer.require(modelDir, purpose, null);
    }
}
