package dev.llada2.cli.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.arch.LLaDA2Architecture;
import dev.llada2.arch.ParameterCounts;
import dev.llada2.cli.output.Json;
import dev.llada2.cli.output.Terminal;
import dev.llada2.config.ConfigLoader;
import dev.llada2.config.ConfigPresets;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;
import dev.llada2.weights.RandomCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;


/** {@code llada2 init-random}: a random-weight checkpoint in the real format. */
@Command(name = "init-random", mixinStandardHelpOptions = true,
        description = "Writes a random-weight LLaDA2 checkpoint (config.json + safetensors, optionally sharded with"
                + " model.safetensors.index.json) for any shape: presets tiny, mini and flash carry the real dimensions;"
                + " overrides change them. For tests, benchmarks and device profiling without downloading weights:"
                + " the text such a model writes is meaningless.",
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 init-random --out /tmp/tiny",
                "  llada2 init-random --preset mini --layers 4 --shards 3 --out /tmp/mini4",
                "  llada2 init-random --preset flash --layers 2 --experts 64 --seed 7 --out /tmp/flash2",
                "  llada2 init-random --preset tiny --set rope_theta=10000 --set use_qk_norm=false --out /tmp/t2"})
public final class InitRandomCommand extends LladaCommand {

    @Option(names = "--preset", defaultValue = "tiny", description = "tiny, mini or flash (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Directory to write (created; an existing one must be empty unless --force).")
    Path out;

    @Option(names = "--force", description = "Write into a non-empty directory, replacing its model files.")
    boolean force;

    @Option(names = "--layers", description = "num_hidden_layers.")
    Integer layers;

    @Option(names = "--experts", description = "num_experts (keep it a multiple of n_group).")
    Integer experts;

    @Option(names = "--experts-per-token", description = "num_experts_per_tok.")
    Integer expertsPerToken;

    @Option(names = "--vocab", description = "vocab_size.")
    Integer vocab;

    @Option(names = "--mask-id", description = "mask_token_id written to config.json (default for tiny: vocab - 5).")
    Integer maskId;

    @Option(names = "--eos-id", description = "eos_token_id written to config.json.")
    Integer eosId;

    @Option(names = "--set", paramLabel = "KEY=JSON", description = "Any config.json key, value as JSON (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--shards", defaultValue = "1", description = "Number of safetensors files (default: ${DEFAULT-VALUE});"
            + " at most one per tensor.")
    int shards;

    @Option(names = "--lm-head-scale", defaultValue = "1.0",
            description = "Multiplies lm_head; > 1 gives confident predictions (default: ${DEFAULT-VALUE}).")
    double lmHeadScale;

    @Override
    public Integer call() {
        if (shards < 1) {
            throw usage("--shards must be >= 1, got " + shards);
        }
        if (layers != null && layers < 1) {
            throw usage("--layers must be >= 1, got " + layers);
        }
        ObjectNode config;
        LLaDA2Config parsed;
        try {
            // every value here comes from the flags, so a bad one is a usage error
            config = configFor(preset, layers, experts, expertsPerToken, vocab, maskId, eosId, sets);
            parsed = ConfigLoader.parse(config.toString(), "config with overrides");
            RandomCheckpoint.checkShards(parsed, shards);
        } catch (LladaException e) {
            throw usage(e.getMessage());
        }
        requireOutputDir("--out", out, force);
        long bytes = LLaDA2Architecture.tensors(parsed).stream().mapToLong(t -> t.elements() * 2).sum();
        err().printf("llada2: writing a RANDOM-weight %s checkpoint (%s), %.2f GB, to %s%n", preset,
                parsed.summary(), bytes / 1e9, out);
        Terminal.StatusLine status = new Terminal.StatusLine(err());
        long t0 = System.nanoTime();
        // tensors are filled in parallel, each from its own seed, so the files do not depend on the thread count
        RandomCheckpoint.write(out, config, new RandomCheckpoint.Options(seed, shards, lmHeadScale),
                (fills, file) -> fills.parallelStream().forEach(Runnable::run),
                done -> status.show("writing " + Terminal.bar((double) done / bytes, 30), false));
        status.clear();
        ParameterCounts p = ParameterCounts.of(parsed);
        err().printf("llada2: wrote %s: %,d parameters in %.1f s%n", out, p.total(), (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    /** The preset's config.json with the overrides applied (also used by {@code demo}). */
    public static ObjectNode configFor(String preset, Integer layers, Integer experts, Integer expertsPerToken,
                                       Integer vocab, Integer maskId, Integer eosId, List<String> sets) {
        ObjectNode config;
        try {
            config = (ObjectNode) Json.MAPPER.readTree(ConfigPresets.json(preset));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        if (layers != null) {
            config.put("num_hidden_layers", layers);
            config.put("max_window_layers", layers);
        }
        if (experts != null) {
            config.put("num_experts", experts);
        }
        if (expertsPerToken != null) {
            config.put("num_experts_per_tok", expertsPerToken);
        }
        if (vocab != null) {
            config.put("vocab_size", vocab);
        }
        int v = config.get("vocab_size").asInt();
        config.put("mask_token_id", maskId != null ? maskId : config.has("mask_token_id")
                ? config.get("mask_token_id").asInt() : defaultMask(v));
        if (eosId != null) {
            config.put("eos_token_id", eosId);
        }
        for (String s : sets) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw LladaException.input("--set expects KEY=JSON, got \"" + s + "\"");
            }
            try {
                JsonNode value = Json.MAPPER.readTree(s.substring(eq + 1));
                config.set(s.substring(0, eq), value);
            } catch (JsonProcessingException e) {
                throw LladaException.input("--set " + s + ": the value is not JSON (strings need quotes)");
            }
        }
        return config;
    }

    /** The real vocabulary keeps its special tokens at the top; tiny models get a mask id near the end. */
    private static int defaultMask(int vocab) {
        return vocab >= 157184 ? 156895 : vocab - 5;
    }

}
