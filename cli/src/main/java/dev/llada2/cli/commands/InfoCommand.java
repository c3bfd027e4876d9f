package dev.llada2.cli.commands;

import dev.llada2.arch.ParameterCounts;
import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.Checkpoint;
import dev.llada2.checkpoint.TensorInfo;
import dev.llada2.checkpoint.NonFiniteScan;
import dev.llada2.cli.options.ModelOptions;
import dev.llada2.cli.output.Terminal;
import dev.llada2.errors.LladaException;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.weights.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** {@code llada2 info}: what a checkpoint holds. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Summarises a model directory or GGUF file: architecture, parameter counts (total and active per"
                + " token), bytes per dtype, tensors per file, and for a GGUF file which settings came from the tensors"
                + " or from LLaDA2.0 defaults. Opens and validates the checkpoint; reads no weight values unless --check"
                + " is given.",
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 info --model ~/models/LLaDA2.0-mini", "  llada2 info --model mini-Q4_K_M.gguf",
                "  llada2 info --model ~/models/LLaDA2.0-mini --check"})
public final class InfoCommand extends LladaCommand {

    @Mixin
    ModelOptions model;

    @Option(names = "--check", description = "Also read every weight and report tensors holding NaN or infinite values"
            + " (exit 3 if any); shows progress.")
    boolean check;

    @Override
    public Integer call() {
        try (LoadedModel m = model.open(err(), false)) {
            LLaDA2Config c = m.config();
            ParameterCounts p = ParameterCounts.of(c);
            out().println("model:        " + m.dir());
            out().println("architecture: " + c.summary());
            out().printf("parameters:   %,d total (%.3f B), %,d active per token (%.3f B; %.3f B counting the"
                            + " whole embedding table, the model cards' convention)%n", p.total(), p.total() / 1e9,
                    p.activePerToken(), p.activePerToken() / 1e9, p.activeWithEmbeddingTable() / 1e9);
            out().printf("routed experts: %,d parameters (%.1f%% of the model)%n", p.routedExperts(),
                    100.0 * p.routedExperts() / p.total());
            Map<DType, long[]> byType = new EnumMap<>(DType.class);
            for (TensorInfo t : m.checkpoint().tensors().values()) {
                long[] v = byType.computeIfAbsent(t.dtype(), k -> new long[2]);
                v[0]++;
                v[1] += t.byteSize();
            }
            out().println("bytes by dtype:");
            byType.forEach((t, v) -> out().printf("  %-5s %,9d tensors  %,18d bytes (%.2f GB)%n", t, v[0], v[1],
                    v[1] / 1e9));
            out().println("files:");
            for (Checkpoint.FileSummary f : m.checkpoint().fileSummaries()) {
                out().printf("  %-40s %,7d tensors  %.2f GB%s%n", f.file().getFileName(), f.tensors(), f.bytes() / 1e9,
                        f.metadata().isEmpty() ? "" : "  metadata " + f.metadata());
            }
            m.checkpoint().container().ifPresent(k -> {
                out().println("read from " + k.format() + ": settings its metadata does not state:");
                k.notes().forEach(n -> out().println("  " + n));
            });
            if (!c.notes().isEmpty()) {
                out().println("config notes (assumptions):");
                c.notes().forEach(n -> out().println("  " + n));
            }
            c.maskTokenId().ifPresent(id -> out().println("mask_token_id: " + id));
            c.eosTokenId().ifPresent(id -> out().println("eos_token_id:  " + id));
            if (!m.report().unexpected().isEmpty()) {
                out().println("ignored tensors: " + m.report().unexpected().size());
            }
            if (check) {
                check(m);
            }
        }
        return 0;
    }

    /** Scans every tensor for NaN/Inf; bad input (exit 3) when any holds one. */
    private void check(LoadedModel m) {
        var tensors = m.checkpoint().tensors().values();
        long total = tensors.stream().mapToLong(TensorInfo::byteSize).sum();
        Terminal.StatusLine status = new Terminal.StatusLine(err());
        int[] lastDecile = {-1};
        long t0 = System.nanoTime();
        List<NonFiniteScan.Finding> found;
        try {
            found = NonFiniteScan.scan(tensors, done -> {
                double f = total == 0 ? 1 : (double) done / total;
                if (status.live()) {
                    status.show("checking " + Terminal.bar(f, 30), false);
                } else if ((int) (f * 10) > lastDecile[0]) {
                    synchronized (lastDecile) {
                        if ((int) (f * 10) > lastDecile[0]) {
                            lastDecile[0] = (int) (f * 10);
                            err().printf("llada2: checked %3d%%%n", lastDecile[0] * 10);
                        }
                    }
                }
            });
        } finally {
            status.clear();
        }
        out().printf("check: %,d tensors, %.2f GB read in %.1f s: %s%n", tensors.size(), total / 1e9,
                (System.nanoTime() - t0) / 1e9, found.isEmpty() ? "every value is finite"
                        : found.size() + " tensors hold NaN or infinite values");
        found.forEach(f -> out().println("  " + f));
        if (!found.isEmpty()) {
            throw LladaException.input(m.dir() + ": " + found.size() + " tensors hold NaN or infinite values, the first "
                    + found.getFirst());
        }
    }
}
