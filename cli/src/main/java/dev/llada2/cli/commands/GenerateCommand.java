package dev.llada2.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.cli.options.DecodeOptionsMixin;
import dev.llada2.cli.options.EngineOptions;
import dev.llada2.cli.options.ModelOptions;
import dev.llada2.cli.options.TextPrompts;
import dev.llada2.cli.options.TokenizerOptions;
import dev.llada2.cli.output.Json;
import dev.llada2.cli.output.StreamingGeneration;
import dev.llada2.cli.output.Terminal;
import dev.llada2.cli.output.TokenPrinter;
import dev.llada2.cli.output.TraceWriter;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeResult;
import dev.llada2.decode.TokenIds;
import dev.llada2.runtime.Engine;
import dev.llada2.tokenizer.ChatMessage;
import dev.llada2.tokenizer.Tokenizer;
import dev.llada2.weights.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** {@code llada2 generate}: block-diffusion generation from text or ids. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generates with block diffusion: the official LLaDA2.0 rule (threshold commit with"
                + " low-confidence fallback) or, with --decoding joint, LLaDA2.1's token editing; streams the answer as"
                + " it becomes final, then a one-line summary on stderr (tokens, forwards, tokens per forward,"
                + " tokens/s, edits).",
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 generate --model ~/models/LLaDA2.0-mini --prompt \"Write a haiku about rain.\"",
                "  llada2 generate --model DIR --system \"You are terse.\" --prompt \"Why is the sky blue?\"",
                "  llada2 generate --model DIR --raw --prompt \"The capital of France is\" --gen-length 32",
                "  llada2 generate --model DIR --prompt-ids 334,231,404,269,69 --output json --trace /tmp/steps.jsonl",
                "  llada2 generate --model DIR --prompt \"Tell a story\" --temperature 0.8 --top-p 0.9 --seed 7",
                "  llada2 generate --model ~/models/LLaDA2.1-mini --decoding joint --prompt \"Hi\"   # speedy: 0.5 / 0.0",
                "  llada2 generate --model ~/models/LLaDA2.1-mini --decoding joint --threshold 0.7 --edit-threshold 0.5"
                        + " --prompt \"Hi\"   # quality"})
public final class GenerateCommand extends LladaCommand {

    @Mixin
    ModelOptions model;

    @Mixin
    TokenizerOptions tokenizerOptions;

    @Mixin
    EngineOptions engineOptions;

    @Mixin
    DecodeOptionsMixin decode;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT",
            description = "The user's message; the LLaDA2 chat template is applied unless --raw.")
    String prompt;

    @Option(names = "--prompt-ids", split = ",", paramLabel = "ID,ID,...", description = "The prompt as token ids.")
    int[] promptIds;

    @Option(names = "--raw", description = "Send --prompt as is, without the chat template.")
    boolean raw;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message for the chat template.")
    String system;

    @Option(names = "--output", defaultValue = "text", paramLabel = "text|json",
            description = "text: stream the answer, then a summary on stderr; json: one object on stdout.")
    String output;

    @Option(names = "--trace", paramLabel = "FILE", description = "Write one JSON line per denoising forward.")
    Path trace;

    @Option(names = {"-q", "--quiet"}, description = "No progress, notes or summary on stderr.")
    boolean quiet;

    @Override
    public Integer call() {
        if ((prompt == null) == (promptIds == null)) {
            throw usage("give exactly one of --prompt TEXT and --prompt-ids ID,ID,...");
        }
        if (promptIds != null && (raw || system != null)) {
            throw usage("--raw and --system apply to --prompt, not to --prompt-ids");
        }
        requireOutput(output, "text", "json");
        boolean json = output.equals("json");
        PrintWriter log = err();
        long t0 = System.nanoTime();
        Optional<Tokenizer> tokenizer = prompt != null
                ? Optional.of(tokenizerOptions.require(model.dir, "--prompt", "give token ids (--prompt-ids) and read ids back"))
                : tokenizerOptions.find(model.dir);
        engineOptions.validate();
        if (trace != null) {
            // a trace is a log, replaced freely; never a file of the model
            requireOutputFile("--trace", trace, true, model.dir);
        }
        try (LoadedModel m = model.open(log, quiet)) {
            TokenIds ids = TokenIds.resolve(m.config(), name -> tokenizer.map(t -> t.idOf(name)).orElse(OptionalInt.empty()));
            DecodeOptions o = decode.toOptions(ids, m.config().vocabSize());
            int[] input = promptIds != null ? promptIds : encode(tokenizer.get(), o, decode.maskSource(ids));
            decode.checkContext(m.config(), o, input.length, log);
            // every option is checked before the engine is built and says which backend it chose
            try (Engine engine = engineOptions.create(m, log, quiet)) {
                long loadNanos = System.nanoTime() - t0;
                Terminal.StatusLine status = new Terminal.StatusLine(log, !quiet && Terminal.interactive());
                TokenPrinter printer = json ? null
                        : tokenizer.isPresent() && prompt != null ? TokenPrinter.text(out(), tokenizer.get()) : TokenPrinter.ids(out());
                DecodeResult r;
                try (TraceWriter tw = trace == null ? null : new TraceWriter(trace)) {
                    r = StreamingGeneration.run(engine, o, input, printer, status, tw);
                }
                if (json) {
                    ObjectNode j = resultJson(r, o, loadNanos, engine, decode.eosSource(ids), decode.maskSource(ids));
                    j.put("prompt_length", input.length);
                    tokenizer.ifPresent(t -> j.put("text", t.decode(r.generatedIds(), true)));
                    out().println(j);
                } else if (!quiet) {
                    log.println(summary(r, loadNanos));
                }
            }
        }
        return 0;
    }

    private int[] encode(Tokenizer tokenizer, DecodeOptions o, String maskSource) {
        if (raw) {
            return TextPrompts.raw(tokenizer, prompt, o, maskSource);
        }
        List<ChatMessage> messages = new ArrayList<>();
        if (system != null) {
            messages.add(ChatMessage.system(system));
        }
        messages.add(ChatMessage.user(prompt));
        return TextPrompts.chat(tokenizer, messages, o, maskSource);
    }

    /** One line: tokens, forwards, tokens per forward, tokens/s and the time split. */
    public static String summary(DecodeResult r, long loadNanos) {
        return summary(r) + String.format(" (load %.2f s, prefill %.2f s, decode %.2f s)", loadNanos / 1e9,
                r.prefillNanos() / 1e9, r.decodeNanos() / 1e9);
    }

    /** Tokens, forwards, tokens per forward and tokens/s. */
    static String summary(DecodeResult r) {
        return String.format("llada2: %d tokens, %d forwards (+%d prefill, +%d cache), %.2f tokens/forward, %.2f tokens/s%s%s",
                r.generatedIds().length, r.forwards(), r.prefillForwards(), r.cacheForwards(), r.tokensPerForward(),
                r.tokensPerSecond(), r.edits() > 0 ? ", " + r.edits() + " edits" : "",
                r.earlyStop() ? ", stopped at EOS" : "");
    }

    public static ObjectNode resultJson(DecodeResult r, DecodeOptions o, long loadNanos, Engine engine, String eosSource,
                                        String maskSource) {
        ObjectNode j = Json.object();
        j.set("generated_ids", Json.ints(r.generatedIds()));
        j.put("forwards", r.forwards());
        j.put("edits", r.edits());
        j.put("prefill_forwards", r.prefillForwards());
        j.put("cache_forwards", r.cacheForwards());
        j.put("tokens_per_forward", r.tokensPerForward());
        j.put("tokens_per_second", r.tokensPerSecond());
        j.put("early_stop", r.earlyStop());
        ObjectNode time = j.putObject("time_s");
        time.put("load", loadNanos / 1e9);
        time.put("prefill", r.prefillNanos() / 1e9);
        time.put("decode", r.decodeNanos() / 1e9);
        ObjectNode opts = j.putObject("options");
        opts.put("gen_length", o.genLength());
        opts.put("block_length", o.blockLength());
        opts.put("decoding", o.decoding().label());
        opts.put("steps", o.steps());
        opts.put("threshold", o.threshold());
        opts.put("minimal_topk", o.minimalTopk());
        opts.put("edit_threshold", o.editThreshold());
        opts.put("max_post_edit_steps", o.maxPostEditSteps());
        opts.put("penalty_lambda", o.penaltyLambda());
        opts.put("temperature", o.temperature());
        opts.put("top_k", o.topK());
        opts.put("top_p", o.topP());
        opts.put("seed", o.seed());
        opts.put("eos_id", o.eosId());
        opts.put("eos_id_source", eosSource);
        opts.put("mask_id", o.maskId());
        opts.put("mask_id_source", maskSource);
        opts.put("eos_early_stop", o.eosEarlyStop());
        opts.put("kv_cache", o.kvCache());
        j.put("engine", engine.describe());
        return j;
    }
}
