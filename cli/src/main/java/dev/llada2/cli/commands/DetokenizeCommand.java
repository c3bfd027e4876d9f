package dev.llada2.cli.commands;

import dev.llada2.cli.options.TokenizerSourceOptions;
import dev.llada2.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;


/** {@code llada2 detokenize}: ids to text. */
@Command(name = "detokenize", mixinStandardHelpOptions = true,
        description = "Decodes token ids with a tokenizer.json (the model's, or --tokenizer FILE). Ids outside the"
                + " vocabulary are skipped, as the reference library does; clean_up_tokenization_spaces is not applied.",
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 detokenize --model ~/models/LLaDA2.0-mini --ids 9707,1879",
                "  llada2 detokenize --tokenizer tokenizer.json --ids 151643,9707 --skip-special-tokens"})
public final class DetokenizeCommand extends LladaCommand {

    @Mixin
    TokenizerSourceOptions source;

    @Option(names = "--ids", required = true, split = ",", paramLabel = "ID,ID,...", description = "Token ids.")
    int[] ids;

    @Option(names = "--skip-special-tokens", description = "Drop special tokens from the text.")
    boolean skipSpecialTokens;

    @Override
    public Integer call() {
        Tokenizer tokenizer = source.load("detokenize");
        out().println(tokenizer.decode(ids, skipSpecialTokens));
        return 0;
    }
}
