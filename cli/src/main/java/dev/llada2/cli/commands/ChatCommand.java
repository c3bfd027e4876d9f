package dev.llada2.cli.commands;

import dev.llada2.cli.options.DecodeOptionsMixin;
import dev.llada2.cli.options.EngineOptions;
import dev.llada2.cli.options.ModelOptions;
import dev.llada2.cli.options.TextPrompts;
import dev.llada2.cli.options.TokenizerOptions;
import dev.llada2.cli.output.StreamingGeneration;
import dev.llada2.cli.output.Terminal;
import dev.llada2.cli.output.TokenPrinter;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeResult;
import dev.llada2.decode.TokenIds;
import dev.llada2.errors.LladaException;
import dev.llada2.runtime.Engine;
import dev.llada2.tokenizer.ChatMessage;
import dev.llada2.tokenizer.Tokenizer;
import dev.llada2.weights.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** {@code llada2 chat}: a multi-turn conversation. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Interactive multi-turn chat with the LLaDA2 chat template and history. Type a message and"
                + " press Enter; /reset clears the history, /exit or Ctrl-D quits. From a pipe, every input line is one"
                + " user turn and every answer is printed on its own line.",
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 chat --model ~/models/LLaDA2.0-mini",
                "  printf 'Hi!\\nWhat did I just say?\\n' | llada2 chat --model DIR --quiet"})
public final class ChatCommand extends LladaCommand {

    @Mixin
    ModelOptions model;

    @Mixin
    TokenizerOptions tokenizerOptions;

    @Mixin
    EngineOptions engineOptions;

    @Mixin
    DecodeOptionsMixin decode;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message for the whole conversation.")
    String system;

    @Option(names = {"-q", "--quiet"}, description = "No banner, progress or per-turn summary on stderr.")
    boolean quiet;

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = err();
        Tokenizer tokenizer = tokenizerOptions.require(model.dir, "chat",
                "without one, `llada2 generate --prompt-ids ID,...` generates from token ids");
        boolean terminal = Terminal.interactive();
        engineOptions.validate();
        try (LoadedModel m = model.open(err, quiet); Engine engine = engineOptions.create(m, err, quiet,
                () -> decode.toOptions(TokenIds.resolve(m.config(), tokenizer::idOf), m.config().vocabSize()))) {
            TokenIds ids = TokenIds.resolve(m.config(), tokenizer::idOf);
            DecodeOptions o = decode.toOptions(ids, m.config().vocabSize());
            if (!quiet && terminal) {
                err.println("llada2: chatting with " + model.dir + " (/reset clears the history, /exit or Ctrl-D quits)");
            }
            List<ChatMessage> history = new ArrayList<>();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (true) {
                if (terminal) {
                    out.print("> ");
                    out.flush();
                }
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit") || line.strip().equals("/quit")) {
                    break;
                }
                String text = line.strip();
                if (text.isEmpty()) {
                    continue;
                }
                if (text.equals("/reset")) {
                    history.clear();
                    if (!quiet) {
                        err.println("llada2: history cleared");
                    }
                    continue;
                }
                List<ChatMessage> messages = new ArrayList<>();
                if (system != null) {
                    messages.add(ChatMessage.system(system));
                }
                messages.addAll(history);
                messages.add(ChatMessage.user(text));
                int[] prompt = TextPrompts.chat(tokenizer, messages, o, decode.maskSource(ids));
                try {
                    decode.checkContext(m.config(), o, prompt.length, err);
                } catch (LladaException e) {
                    err.println("llada2: error: " + e.getMessage() + " (/reset clears the history)");
                    continue;
                }
                DecodeResult r = StreamingGeneration.run(engine, o, prompt, TokenPrinter.text(out, tokenizer),
                        new Terminal.StatusLine(err, !quiet && terminal), null);
                history.add(ChatMessage.user(text));
                history.add(ChatMessage.assistant(tokenizer.decode(r.generatedIds(), true)));
                if (!quiet) {
                    err.println(GenerateCommand.summary(r));
                }
            }
        } catch (IOException e) {
            throw LladaException.runtime("reading the conversation from standard input failed: " + e.getMessage(), e);
        }
        return 0;
    }
}
