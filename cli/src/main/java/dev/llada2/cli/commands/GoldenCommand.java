package dev.llada2.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.cli.options.EngineOptions;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeResult;
import dev.llada2.errors.LladaException;
import dev.llada2.golden.GoldenChecks;
import dev.llada2.golden.GoldenManifests;
import dev.llada2.golden.GoldenMismatch;
import dev.llada2.runtime.Engine;
import dev.llada2.weights.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/**
 * {@code llada2 golden}: the exact golden decode cases on a chosen backend and device, for machines
 * that have the engine but no test harness (a bundle on a GPU node).
 */
@Command(name = "golden", mixinStandardHelpOptions = true,
        description = "Decodes the exact golden cases of a golden set (the official code's greedy generate cases and the"
                + " joint-threshold edit cases, with and without the KV cache) on a backend and device, and compares"
                + " every forward's commits, the ids and the final canvas. Prints pass/FAIL per case; exit code 4 when a"
                + " case fails. A golden set is a folder with manifest.json (and edit/manifest.json), as in"
                + " shared/golden/<name>.",
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 golden --golden shared/golden/tiny --backend cpu",
                "  llada2 golden --golden shared/golden/small --device tornado:0:0 --cases greedy"})
public final class GoldenCommand extends LladaCommand {

    @Option(names = "--golden", required = true, paramLabel = "DIR",
            description = "Golden set folder (manifest.json; edit/manifest.json when it has edit cases).")
    Path golden;

    @Option(names = {"-m", "--model"}, paramLabel = "DIR",
            description = "The model the set was made with (default: ../../models/<name> from the set's folder, the"
                    + " shared data layout).")
    Path model;

    @Option(names = "--cases", defaultValue = "all", paramLabel = "greedy|edit|all",
            description = "Which cases (default: ${DEFAULT-VALUE}).")
    String cases;

    @Mixin
    EngineOptions engineOptions;

    /** How one kind of case is decoded and compared. */
    private record Kind(String name, BiFunction<JsonNode, Boolean, DecodeOptions> options,
                        BiConsumer<JsonNode, DecodeResult> matches, List<JsonNode> cases) {
    }

    @Override
    public Integer call() {
        if (!List.of("greedy", "edit", "all").contains(cases)) {
            throw usage("--cases must be greedy, edit or all, not '" + cases + "'");
        }
        Path set = golden.toAbsolutePath().normalize();
        if (!Files.isDirectory(set)) {
            throw LladaException.input("golden set " + golden + " is not a folder");
        }
        Path modelDir = model != null ? model : set.resolveSibling("..").resolve("models").resolve(set.getFileName())
                .normalize();
        if (model == null && !Files.isDirectory(modelDir)) {
            throw LladaException.input("no --model given and " + modelDir + " (the shared data layout) does not exist");
        }
        List<Kind> kinds = new ArrayList<>();
        if (!cases.equals("edit")) {
            kinds.add(new Kind("greedy", GoldenChecks::greedyOptions, GoldenChecks::greedyMatches,
                    GoldenManifests.greedyCases(set)));
        }
        if (!cases.equals("greedy")) {
            kinds.add(new Kind("edit", GoldenChecks::editOptions, GoldenChecks::editMatches,
                    GoldenManifests.editCases(set)));
        }
        PrintWriter out = out();
        int passed = 0;
        int failed = 0;
        try (LoadedModel m = LoadedModel.open(modelDir); Engine engine = engineOptions.create(m, err(), false)) {
            for (Kind kind : kinds) {
                for (JsonNode c : kind.cases()) {
                    for (boolean cache : new boolean[] {true, false}) {
                        String name = set.getFileName() + "/" + kind.name() + "/" + c.get("id").asText() + "/"
                                + (cache ? "kv-cache" : "no-cache");
                        long t0 = System.nanoTime();
                        DecodeResult r = GoldenChecks.run(engine, c, kind.options().apply(c, cache));
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        try {
                            kind.matches().accept(c, r);
                            passed++;
                            out.printf("  %-40s pass  (%d forwards, %d ms)%n", name, r.forwards(), ms);
                        } catch (GoldenMismatch e) {
                            failed++;
                            out.printf("  %-40s FAIL  %s%n", name, e.getMessage());
                        }
                    }
                }
            }
        }
        out.println(failed == 0 ? "golden: all " + passed + " cases passed"
                : "golden: " + failed + " of " + (passed + failed) + " cases FAILED");
        return failed == 0 ? 0 : 4;
    }
}
