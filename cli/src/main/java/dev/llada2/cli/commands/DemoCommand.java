package dev.llada2.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.tokenizer.DemoTokenizer;
import dev.llada2.tokenizer.LLaDA2SpecialTokens;
import dev.llada2.weights.RandomCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code llada2 demo}: the whole pipeline on built-in defaults, with no download. A small
 * random-weight LLaDA2 checkpoint and a small byte-level BPE tokenizer are written once to a cache
 * folder, then {@code generate} runs on them with a text prompt and the chat template.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs the whole pipeline (tokenizer, chat template, block diffusion with the KV cache, streaming)"
                + " on a small RANDOM-weight model written on the fly: no download, and the text it writes is"
                + " gibberish. Point `generate` or `chat` at a real checkpoint for real answers.",
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 demo", "  llada2 demo --prompt \"Hello there\" --gen-length 96"})
public final class DemoCommand extends LladaCommand {

    /** Vocabulary of the demo model: the demo tokenizer's ids plus spare rows, as real checkpoints have. */
    static final int VOCAB = 640;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where the demo model lives (default: $LLADA2_CACHE/demo, else ~/.cache/llada2/demo).")
    Path dir;

    @Option(names = {"-p", "--prompt"}, defaultValue = "What is block diffusion?",
            description = "The user's message (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Option(names = "--gen-length", defaultValue = "64", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int genLength;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = err();
        Path model = dir != null ? dir : defaultDir();
        if (!Files.exists(model.resolve("done"))) {
            err.println("llada2: writing the demo model (RANDOM weights) and tokenizer to " + model);
            write(model);
        }
        err.println("llada2: demo on a RANDOM-weight model: expect gibberish. It shows tokenization, the chat"
                + " template, block-diffusion decoding and streaming working end to end.");
        List<String> args = new ArrayList<>(List.of("generate", "--model", model.toString(), "--prompt", prompt,
                "--gen-length", Integer.toString(genLength), "--backend", "cpu"));
        return spec.root().commandLine().execute(args.toArray(String[]::new));
    }

    static Path defaultDir() {
        String cache = System.getenv("LLADA2_CACHE");
        return cache != null && !cache.isBlank() ? Path.of(cache, "demo")
                : Path.of(System.getProperty("user.home"), ".cache", "llada2", "demo");
    }

    /**
     * The demo checkpoint: the tiny preset's shape over the demo tokenizer's vocabulary, lm_head x 16 so
     * the model is confident enough for the threshold rule to commit several tokens per step.
     */
    static void write(Path model) throws IOException {
        Files.createDirectories(model);
        LLaDA2SpecialTokens ids = DemoTokenizer.write(model.resolve("tokenizer.json"), VOCAB);
        ObjectNode config = InitRandomCommand.configFor("tiny", 4, null, null, VOCAB, ids.mask(), ids.endOfText(),
                List.of());
        config.put("pad_token_id", ids.endOfText());
        RandomCheckpoint.write(model, config, new RandomCheckpoint.Options(2026, 1, 16.0),
                (fills, file) -> fills.forEach(Runnable::run), done -> { });
        Files.writeString(model.resolve("done"), "random demo model; delete this folder to rebuild it\n");
    }
}
