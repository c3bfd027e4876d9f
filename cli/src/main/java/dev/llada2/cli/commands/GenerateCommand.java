package dev.llada2.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.cli.options.DecodeOptionsMixin;
import dev.llada2.cli.options.EngineOptions;
import dev.llada2.cli.options.ModelOptions;
import dev.llada2.cli.output.Json;
import dev.llada2.cli.output.Terminal;
import dev.llada2.cli.output.TraceWriter;
import dev.llada2.decode.BlockDiffusionDecoder;
import dev.llada2.decode.DecodeListener;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeResult;
import dev.llada2.decode.EngineDenoiser;
import dev.llada2.decode.StepRecord;
import dev.llada2.decode.TokenIds;
import dev.llada2.runtime.Engine;
import dev.llada2.weights.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/** {@code llada2 generate}: block-diffusion generation. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generates with the official LLaDA2.0 block-diffusion decoder (threshold commit with"
                + " low-confidence fallback), streaming the answer block by block as it is committed.",
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 generate --model DIR --prompt-ids 334,231,404,269,69 --gen-length 64",
                "  llada2 generate --model DIR --prompt-ids 1,2,3 --output json --trace /tmp/steps.jsonl",
                "  llada2 generate --model DIR --prompt-ids 1,2,3 --temperature 0.8 --top-p 0.9 --seed 7"})
public final class GenerateCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private java.io.PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Mixin
    ModelOptions model;

    @Mixin
    EngineOptions engineOptions;

    @Mixin
    DecodeOptionsMixin decode;

    @Option(names = "--prompt-ids", required = true, split = ",", paramLabel = "ID,ID,...",
            description = "The prompt as token ids.")
    int[] promptIds;

    @Option(names = "--output", defaultValue = "text", paramLabel = "text|json",
            description = "text: stream the answer, then a summary on stderr; json: one object on stdout.")
    String output;

    @Option(names = "--trace", paramLabel = "FILE", description = "Write one JSON line per denoising forward.")
    Path trace;

    @Option(names = {"-q", "--quiet"}, description = "No progress, notes or summary on stderr.")
    boolean quiet;

    @Override
    public Integer call() {
        if (!output.equals("text") && !output.equals("json")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--output must be text or json, not '" + output + "'");
        }
        boolean json = output.equals("json");
        PrintWriter log = err();
        long t0 = System.nanoTime();
        try (LoadedModel m = model.open(log, quiet); Engine engine = engineOptions.create(m, log, quiet)) {
            TokenIds ids = TokenIds.resolve(m.config(), name -> OptionalInt.empty());
            DecodeOptions o = decode.toOptions(ids);
            long loadNanos = System.nanoTime() - t0;
            Terminal.StatusLine status = new Terminal.StatusLine(log, !quiet && Terminal.interactive());
            try (TraceWriter tw = trace == null ? null : new TraceWriter(trace)) {
                long start = System.nanoTime();
                int[] produced = {0};
                DecodeListener listener = new DecodeListener() {
                    @Override
                    public void onStep(StepRecord s, int blocks) {
                        if (tw != null) {
                            tw.write(s);
                        }
                        double secs = (System.nanoTime() - start) / 1e9;
                        status.show(String.format("block %d/%d  step %d  %d tokens  %.1f tokens/s", s.block() + 1,
                                blocks, s.step() + 1, produced[0], produced[0] / Math.max(secs, 1e-9)), false);
                    }

                    @Override
                    public void onTokens(int[] tokens) {
                        produced[0] += tokens.length;
                        if (!json) {
                            status.clear();
                            StringBuilder sb = new StringBuilder();
                            for (int i = 0; i < tokens.length; i++) {
                                sb.append(produced[0] - tokens.length + i == 0 ? "" : ",").append(tokens[i]);
                            }
                            out().print(sb);
                            out().flush();
                        }
                    }
                };
                DecodeResult r = BlockDiffusionDecoder.official(new EngineDenoiser(engine, o.kvCache()), o)
                        .generate(promptIds, listener);
                status.clear();
                if (json) {
                    out().println(resultJson(r, o, loadNanos, engine, decode.eosSource(ids), decode.maskSource(ids)));
                } else {
                    out().println();
                    if (!quiet) {
                        log.println(summary(r, loadNanos));
                    }
                }
            }
        }
        return 0;
    }

    /** One line: tokens, forwards, tokens per forward, tokens/s and the time split. */
    public static String summary(DecodeResult r, long loadNanos) {
        return String.format("llada2: %d tokens, %d forwards (+%d prefill, +%d cache), %.2f tokens/forward, %.2f tokens/s"
                        + " (load %.2f s, prefill %.2f s, decode %.2f s)%s", r.generatedIds().length, r.forwards(),
                r.prefillForwards(), r.cacheForwards(), r.tokensPerForward(), r.tokensPerSecond(), loadNanos / 1e9,
                r.prefillNanos() / 1e9, r.decodeNanos() / 1e9, r.earlyStop() ? ", stopped at EOS" : "");
    }

    public static ObjectNode resultJson(DecodeResult r, DecodeOptions o, long loadNanos, Engine engine, String eosSource,
                                        String maskSource) {
        ObjectNode j = Json.object();
        j.set("generated_ids", Json.ints(r.generatedIds()));
        j.put("forwards", r.forwards());
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
        opts.put("steps", o.steps());
        opts.put("threshold", o.threshold());
        opts.put("minimal_topk", o.minimalTopk());
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
