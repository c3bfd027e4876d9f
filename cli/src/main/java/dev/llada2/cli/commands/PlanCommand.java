package dev.llada2.cli.commands;

import dev.llada2.checkpoint.Checkpoint;
import dev.llada2.checkpoint.gguf.GgufCheckpoint;
import dev.llada2.checkpoint.gguf.GgufFile;
import dev.llada2.checkpoint.quant.QuantScheme;
import dev.llada2.config.ConfigLoader;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.profiles.BundledProfiles;
import dev.llada2.profiles.HardwareProfile;
import dev.llada2.profiles.HostResources;
import dev.llada2.profiles.ProfileLoader;
import dev.llada2.profiles.fit.Plan;
import dev.llada2.profiles.fit.PlanOptions;
import dev.llada2.profiles.fit.PlanReport;
import dev.llada2.profiles.fit.Planner;
import dev.llada2.profiles.fit.WeightDtypes;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code llada2 plan}: placement and memory per device, from config.json (or a GGUF file's metadata) alone. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Resolves a hardware profile against a model's config.json and prints where every part runs"
                + " and the memory per device (weights by dtype, KV cache for the requested length, activations and"
                + " workspace), without reading any weights. Says clearly when it does not fit and what would.",
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 plan --config ~/models/LLaDA2.0-flash/config.json --profile gpu4x80-flash",
                "  llada2 plan --model ~/models/LLaDA2.0-mini --profile gpu1x80-mini --gen-length 2048 --output json",
                "  llada2 plan --config ~/models/LLaDA2.0-flash/config.json --profile gpu1-cpu-experts --quantize q4_k_m",
                "  llada2 plan --model mini-Q4_K_M.gguf --profile gpu1x80-mini",
                "  llada2 plan --list-profiles"})
public final class PlanCommand extends LladaCommand {

    static final class Source {
        @Option(names = {"-m", "--model"}, paramLabel = "DIR|FILE.gguf",
                description = "Model directory (its config.json), or a GGUF file (its metadata and actual weight types).")
        Path model;

        @Option(names = "--config", paramLabel = "FILE", description = "A config.json.")
        Path config;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source;

    @Option(names = "--profile", paramLabel = "NAME|FILE", description = "Bundled profile name or profile JSON file.")
    String profile;

    @Option(names = "--list-profiles", description = "List the bundled profiles and exit.")
    boolean list;

    @Option(names = "--gen-length", defaultValue = "512", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int genLength;

    @Option(names = "--prompt-length", defaultValue = "512", description = "Prompt tokens (default: ${DEFAULT-VALUE}).")
    int promptLength;

    @Option(names = "--block-length", defaultValue = "32", description = "Diffusion block (default: ${DEFAULT-VALUE}).")
    int blockLength;

    @Option(names = "--output", defaultValue = "text", paramLabel = "text|json", description = "Report format.")
    String output;

    @Option(names = "--quantize", paramLabel = "q8_0|q4_k_m|bf16",
            description = "Plan the weights as `llada2 quantize --type` would write them (llama.cpp's type per tensor,"
                    + " whole blocks), before quantizing.")
    String quantize;

    @Override
    public Integer call() {
        PrintWriter out = out();
        if (list) {
            for (String name : BundledProfiles.names()) {
                out.printf("%-22s %s%n", name, BundledProfiles.load(name).description());
            }
            return 0;
        }
        if (source == null || profile == null) {
            throw usage("give --model DIR or --config FILE, and --profile NAME|FILE (--list-profiles shows the bundled ones)");
        }
        requireOutput(output, "text", "json");
        if (genLength < 1 || promptLength < 0 || blockLength < 1) {
            throw usage("--gen-length and --block-length must be >= 1, --prompt-length >= 0");
        }
        Path from = source.model != null ? source.model : source.config;
        LLaDA2Config config;
        WeightDtypes dtypes;
        if (Files.isRegularFile(from) && GgufFile.isGguf(from)) {
            GgufCheckpoint.Opened gguf = GgufCheckpoint.open(from);
            try (Checkpoint checkpoint = gguf.checkpoint()) {
                config = gguf.config();
                dtypes = WeightDtypes.fromCheckpoint(checkpoint.dtypes(), config);
            }
        } else {
            config = ConfigLoader.load(from);
            dtypes = WeightDtypes.fromConfig(config);
        }
        if (quantize != null) {
            QuantScheme scheme = QuantScheme.parse(quantize).orElseThrow(() -> usage("--quantize must be q8_0, q4_k_m"
                    + " or bf16, not '" + quantize + "'"));
            dtypes = WeightDtypes.quantized(scheme, config);
            if (output.equals("text")) {
                out.println("weights planned as `llada2 quantize --type " + scheme.cliName() + "` writes them");
            }
        }
        HardwareProfile hw = ProfileLoader.load(profile);
        Plan plan = Planner.plan(config, hw, PlanOptions.defaults().withGenLength(genLength)
                .withPromptLength(promptLength).withBlockLength(blockLength), dtypes, HostResources.detect());
        out.println(output.equals("json") ? PlanReport.json(plan) : PlanReport.render(plan));
        return 0;
    }
}
