package dev.llada2.cli.commands;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.cli.options.DecodeOptionsMixin;
import dev.llada2.cli.options.EngineOptions;
import dev.llada2.cli.options.ModelOptions;
import dev.llada2.cli.output.Json;
import dev.llada2.cli.output.Terminal;
import dev.llada2.checkpoint.TensorInfo;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.TokenIds;
import dev.llada2.perf.e2e.DecodeBench;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.ForwardPart;
import dev.llada2.weights.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;

/** {@code llada2 bench}: end-to-end generation benchmark. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks generation end to end: warm-up, then measured generations with the given decode"
                + " options; reports forwards, tokens per forward, tokens/s, time per denoising forward (min/median),"
                + " prefill time, bytes moved between devices and host, and peak memory. --compare-cache runs with and"
                + " without the KV cache in the same process. Random-weight models often stop at EOS early: add"
                + " --no-eos to always generate --gen-length tokens.",
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 init-random --preset mini --layers 4 --out /tmp/mini4",
                "  llada2 bench --model /tmp/mini4 --prompt-length 40 --gen-length 64 --no-eos --compare-cache",
                "  llada2 bench --model DIR --prompt-ids 1,2,3 --runs 5 --output json",
                "  llada2 bench --model /tmp/mini4 --backend cpu --gen-length 64 --no-eos --breakdown"})
public final class BenchCommand extends LladaCommand {

    @Mixin
    ModelOptions model;

    @Mixin
    EngineOptions engineOptions;

    @Mixin
    DecodeOptionsMixin decode;

    @Option(names = "--prompt-ids", split = ",", paramLabel = "ID,ID,...", description = "Prompt token ids.")
    int[] promptIds;

    @Option(names = "--prompt-length", defaultValue = "32",
            description = "Without --prompt-ids: a prompt of this many random ids (default: ${DEFAULT-VALUE}).")
    int promptLength;

    @Option(names = "--warmup", defaultValue = "1", description = "Unmeasured runs first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runs", defaultValue = "3", description = "Measured runs (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--compare-cache", description = "Run with the KV cache and without it, and report the speed-up.")
    boolean compareCache;

    @Option(names = "--breakdown", description = "Also report where a denoising forward's time goes: embedding,"
            + " attention (projections, rope, scores), norms, router, routed experts, shared expert, dense MLP, final"
            + " norm and head, decoding bookkeeping (engines that account their parts: the CPU engine).")
    boolean breakdown;

    @Option(names = "--output", defaultValue = "table", paramLabel = "table|json", description = "Report format.")
    String output;

    @Override
    public Integer call() {
        if (runs < 1 || warmup < 0 || promptLength < 1) {
            throw usage("--runs must be >= 1, --warmup >= 0 and --prompt-length >= 1");
        }
        requireOutput(output, "table", "json");
        long t0 = System.nanoTime();
        engineOptions.validate();
        try (LoadedModel m = model.open(err(), false); Engine engine = engineOptions.create(m, err(), false,
                () -> decode.toOptions(TokenIds.resolve(m.config(), name -> OptionalInt.empty()), m.config().vocabSize()))) {
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            DecodeOptions o = decode.toOptions(TokenIds.resolve(m.config(), name -> OptionalInt.empty()),
                    m.config().vocabSize());
            int[] prompt = promptIds != null ? promptIds : randomPrompt(m.config().vocabSize(), o);
            decode.checkContext(m.config(), o, prompt.length, err());
            List<DecodeOptions> variants = compareCache ? List.of(o.withKvCache(true), o.withKvCache(false)) : List.of(o);
            Terminal.StatusLine status = new Terminal.StatusLine(err());
            List<DecodeBench.Report> reports = new ArrayList<>();
            for (DecodeOptions v : variants) {
                reports.add(DecodeBench.run(engine, prompt, v, warmup, runs, i -> status.show((v.kvCache() ? "kv-cache" : "no-cache")
                        + (i < 0 ? " warm-up " + (-i) + "/" + warmup : " run " + (i + 1) + "/" + runs), true)));
            }
            status.clear();
            if (output.equals("json")) {
                out().println(json(engine, m, prompt.length, loadSeconds, variants, reports, breakdown));
            } else {
                printTable(engine, weightBytes(m), prompt.length, loadSeconds, variants, reports);
                if (breakdown) {
                    printBreakdown(variants, reports);
                }
            }
        }
        return 0;
    }

    /** Random ids below the special tokens (and never the mask or EOS id), seeded by --seed. */
    private int[] randomPrompt(int vocab, DecodeOptions o) {
        SplittableRandom r = new SplittableRandom(o.seed());
        int[] p = new int[promptLength];
        for (int i = 0; i < p.length; i++) {
            int id;
            do {
                id = r.nextInt(Math.max(2, vocab - 300));
            } while (id == o.maskId() || id == o.eosId());
            p[i] = id;
        }
        return p;
    }

    /**
     * Bytes of every tensor of the model, all memory-mapped from its files: what the weights hold
     * resident once every expert has run. The process's resident size counts only the pages a run
     * read, which for an MoE model depends on its routing (and a quantized model routes differently
     * from its BF16 source), so formats are compared by this figure.
     */
    private static long weightBytes(LoadedModel m) {
        return m.checkpoint().tensors().values().stream().mapToLong(TensorInfo::byteSize).sum();
    }

    private void printTable(Engine engine, long weightBytes, int promptLength, double loadSeconds,
                            List<DecodeOptions> variants,
                                   List<DecodeBench.Report> reports) {
        DecodeOptions o = variants.getFirst();
        out().printf("engine: %s; prompt %d tokens, gen-length %d, block %d, %s decoding, threshold %.2f%s; load %.2f s%n",
                engine.describe(), promptLength, o.genLength(), o.blockLength(), o.decoding().label(), o.threshold(),
                o.decoding() == DecodeOptions.Decoding.JOINT ? String.format(", edit threshold %.2f", o.editThreshold())
                        : "", loadSeconds);
        out().printf("%-9s %4s %7s %8s %8s %9s %10s %13s %11s %10s %12s %12s%n", "mode", "run", "tokens", "forwards",
                "tok/fwd", "tok/s", "fwd min ms", "fwd median ms", "fwd mean ms", "prefill ms", "handoff MB",
                "dev->host KB");
        for (int v = 0; v < variants.size(); v++) {
            String mode = variants.get(v).kvCache() ? "kv-cache" : "no-cache";
            List<DecodeBench.Run> rs = reports.get(v).runs();
            for (int i = 0; i < rs.size(); i++) {
                DecodeBench.Run r = rs.get(i);
                out().printf("%-9s %4d %7d %8d %8.2f %9.2f %10.1f %13.1f %11.1f %10.1f %12.2f %12.1f%n", mode, i + 1,
                        r.tokens(), r.forwards(), r.tokensPerForward(), r.tokensPerSecond(), r.forwardMinMs(),
                        r.forwardMedianMs(), r.forwardMeanMs(), r.prefillMs(), r.handoffBytes() / 1e6,
                        r.deviceToHostBytes() / 1e3);
            }
        }
        DecodeBench.Report last = reports.getLast();
        out().printf("peak memory: heap %.0f MB, resident %.0f MB (includes the mapped weights read); weights %.0f MB"
                        + " (every tensor, memory-mapped)%n", last.peakHeapBytes() / 1e6, last.peakRssBytes() / 1e6,
                weightBytes / 1e6);
        if (reports.size() == 2) {
            out().printf("kv-cache speed-up (median run, tokens/s): %.2fx%n",
                    reports.get(0).median().tokensPerSecond() / reports.get(1).median().tokensPerSecond());
        }
    }

    /** The median run's breakdown per mode. */
    private void printBreakdown(List<DecodeOptions> variants, List<DecodeBench.Report> reports) {
        for (int v = 0; v < variants.size(); v++) {
            DecodeBench.Breakdown b = reports.get(v).median().breakdown();
            String mode = variants.get(v).kvCache() ? "kv-cache" : "no-cache";
            if (b == null) {
                out().printf("%s: this engine does not account the parts of a forward%n", mode);
                continue;
            }
            out().printf("%s, median run: ms per denoising forward%n", mode);
            for (ForwardPart p : ForwardPart.values()) {
                double ms = b.partMs()[p.ordinal()];
                out().printf("  %-34s %8.2f %5.1f%%%n", p.label(), ms, 100 * ms / b.totalMs());
            }
            out().printf("  %-34s %8.2f %5.1f%%%n", "decoding bookkeeping", b.bookkeepingMs(),
                    100 * b.bookkeepingMs() / b.totalMs());
            out().printf("  %-34s %8.2f%n", "total", b.totalMs());
        }
    }

    private static ObjectNode json(Engine engine, LoadedModel m, int promptLength, double loadSeconds,
                                   List<DecodeOptions> variants, List<DecodeBench.Report> reports, boolean breakdown) {
        ObjectNode j = Json.object();
        j.put("engine", engine.describe());
        j.put("model", m.dir().toString());
        j.put("prompt_length", promptLength);
        j.put("load_s", loadSeconds);
        ArrayNode modes = j.putArray("modes");
        for (int v = 0; v < variants.size(); v++) {
            ObjectNode mode = modes.addObject();
            mode.put("kv_cache", variants.get(v).kvCache());
            mode.put("gen_length", variants.get(v).genLength());
            mode.put("decoding", variants.get(v).decoding().label());
            ArrayNode rs = mode.putArray("runs");
            for (DecodeBench.Run r : reports.get(v).runs()) {
                ObjectNode o = rs.addObject();
                o.put("tokens", r.tokens());
                o.put("forwards", r.forwards());
                o.put("edits", r.edits());
                o.put("prefill_forwards", r.prefillForwards());
                o.put("cache_forwards", r.cacheForwards());
                o.put("tokens_per_forward", r.tokensPerForward());
                o.put("tokens_per_second", r.tokensPerSecond());
                o.put("forward_min_ms", r.forwardMinMs());
                o.put("forward_median_ms", r.forwardMedianMs());
                o.put("forward_mean_ms", r.forwardMeanMs());
                o.put("prefill_ms", r.prefillMs());
                o.put("decode_ms", r.decodeMs());
                o.put("handoff_bytes", r.handoffBytes());
                o.put("host_to_device_bytes", r.hostToDeviceBytes());
                o.put("device_to_host_bytes", r.deviceToHostBytes());
                o.put("host_to_device_bytes_per_forward", r.hostToDeviceBytesPerForward());
                o.put("device_to_host_bytes_per_forward", r.deviceToHostBytesPerForward());
                o.put("device_to_device_bytes_per_forward", r.deviceToDeviceBytesPerForward());
                o.put("graph_executions_per_forward", r.graphExecutionsPerForward());
                o.put("kernel_launches_per_forward", r.kernelLaunchesPerForward());
                o.put("device_bytes_per_forward", r.deviceBytesPerForward());
                if (breakdown && r.breakdown() != null) {
                    ObjectNode b = o.putObject("breakdown_ms_per_forward");
                    for (ForwardPart p : ForwardPart.values()) {
                        b.put(p.key(), r.breakdown().partMs()[p.ordinal()]);
                    }
                    b.put("decoding_bookkeeping", r.breakdown().bookkeepingMs());
                }
            }
        }
        j.put("peak_heap_bytes", reports.getLast().peakHeapBytes());
        j.put("peak_rss_bytes", reports.getLast().peakRssBytes());
        j.put("weight_bytes", weightBytes(m));
        if (reports.size() == 2) {
            j.put("kv_cache_speedup", reports.get(0).median().tokensPerSecond() / reports.get(1).median().tokensPerSecond());
        }
        return j;
    }
}
