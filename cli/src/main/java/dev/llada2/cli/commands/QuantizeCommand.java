package dev.llada2.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llada2.checkpoint.gguf.GgufFile;
import dev.llada2.checkpoint.gguf.GgufTokenizer;
import dev.llada2.checkpoint.gguf.GgufWriter;
import dev.llada2.checkpoint.quant.QuantScheme;
import dev.llada2.cli.options.ModelOptions;
import dev.llada2.cli.output.Terminal;
import dev.llada2.errors.LladaException;
import dev.llada2.quantize.ModelQuantizer;
import dev.llada2.weights.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import dev.llada2.io.IoErrors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** {@code llada2 quantize}: a model as a llama.cpp GGUF file, Q8_0, Q4_K_M or BF16. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Writes a model as one GGUF file with llama.cpp's LLaDA2 tensor names and metadata, so that"
                + " llama.cpp-family tools read it and a single file runs here with no other file (the tokenizer is"
                + " stored in it).",
                "Types: q8_0 (every matrix 8-bit, ~53%% of BF16), q4_k_m (llama.cpp's mix: Q4_K, Q6_K for the head and"
                        + " the attn_qkv/ffn_down of every third layer plus the first and last eighth, ~30%% of BF16),"
                        + " bf16 (unchanged weights). Norms, router and biases stay F32. A matrix whose rows are not"
                        + " whole blocks (32 values for Q8_0, 256 for Q4_K/Q6_K) falls back to Q8_0 or F16, and the"
                        + " summary lists each one.",
                "The file is written under a temporary name and renamed when complete; an existing FILE is replaced"
                        + " only with --force."},
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 quantize --model ~/models/LLaDA2.0-mini --type q4_k_m --out mini-Q4_K_M.gguf",
                "  llada2 generate --model mini-Q4_K_M.gguf --prompt \"Hello\"",
                "  llada2 quantize --model mini-Q8_0.gguf --type q4_k_m --out mini-Q4_K_M.gguf   # requantize"})
public final class QuantizeCommand extends LladaCommand {

    @Mixin
    ModelOptions model;

    @Option(names = "--type", required = true, paramLabel = "q8_0|q4_k_m|bf16", description = "Weight type to write.")
    String type;

    @Option(names = "--out", required = true, paramLabel = "FILE.gguf", description = "The GGUF file to write.")
    Path out;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "tokenizer.json to store (default: the model directory's, or the source GGUF's).")
    Path tokenizer;

    @Option(names = "--force", description = "Replace FILE if it exists.")
    boolean force;

    @Override
    public Integer call() {
        QuantScheme scheme = QuantScheme.parse(type).orElseThrow(() -> usage("--type must be q8_0, q4_k_m or bf16,"
                + " not '" + type + "'"));
        requireOutputFile("--out", out, force, model.dir);
        long t0 = System.nanoTime();
        try (LoadedModel m = model.open(err(), false)) {
            List<String> notes = new ArrayList<>();
            Consumer<GgufWriter> metadata = w -> {
                w.string("general.name", name(model.dir));
                tokenizerKeys(m, w, notes);
            };
            Terminal.StatusLine status = new Terminal.StatusLine(err());
            int[] lastDecile = {-1};
            err().printf("llada2: writing %s as %s to %s%n", model.dir, scheme.cliName(), out);
            ModelQuantizer.Report r;
            try {
                r = ModelQuantizer.write(m, scheme, metadata, out, (tensor, done, total) -> {
                    double f = (double) done / total;
                    if (status.live()) {
                        status.show("quantizing " + Terminal.bar(f, 30) + " " + tensor, false);
                    } else if ((int) (f * 10) > lastDecile[0]) {
                        lastDecile[0] = (int) (f * 10);
                        err().printf("llada2: %3d%% %s%n", lastDecile[0] * 10, tensor);
                    }
                });
            } finally {
                status.clear();
            }
            notes.forEach(n -> err().println("llada2: note: " + n));
            long source = m.checkpoint().tensors().values().stream().mapToLong(t -> t.byteSize()).sum();
            out().printf("wrote %s: %s, %.2f GB (%.1f%% of the source's %.2f GB) in %.1f s%n", r.file(),
                    scheme.cliName(), r.bytes() / 1e9, 100.0 * r.bytes() / source, source / 1e9,
                    (System.nanoTime() - t0) / 1e9);
            r.bytesByType().forEach((t, b) -> out().printf("  %-5s %,18d bytes (%.2f GB)%n", t, b, b / 1e9));
            if (!r.fallbacks().isEmpty()) {
                out().println(r.fallbacks().size() + " matrices fell back to another type (rows not whole blocks):");
                r.fallbacks().stream().limit(20).forEach(f -> out().println("  " + f));
                if (r.fallbacks().size() > 20) {
                    out().println("  ... and " + (r.fallbacks().size() - 20) + " more");
                }
            }
        }
        return 0;
    }

    /** The vocabulary to store: --tokenizer, the directory's tokenizer.json, a GGUF source's, or none. */
    private void tokenizerKeys(LoadedModel m, GgufWriter w, List<String> notes) {
        Path json = tokenizer != null ? tokenizer
                : Files.isDirectory(model.dir) && Files.isRegularFile(model.dir.resolve("tokenizer.json"))
                ? model.dir.resolve("tokenizer.json") : null;
        if (json != null) {
            notes.addAll(GgufTokenizer.write(readJson(json), json, m.config(), w));
            return;
        }
        if (Files.isRegularFile(model.dir)) {
            try (Arena arena = Arena.ofConfined()) {
                GgufTokenizer.copy(GgufFile.open(model.dir, arena).metadata(), w);
            }
            return;
        }
        GgufTokenizer.writeNone(m.config(), w);
        notes.add(model.dir + " has no tokenizer.json: the file stores only the special token ids; text prompts"
                + " will need --tokenizer (or --prompt-ids)");
    }

    private static JsonNode readJson(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw LladaException.input(file + ": cannot read the tokenizer: " + IoErrors.reason(file, e), e);
        }
    }

    private static String name(Path model) {
        String n = model.toAbsolutePath().normalize().getFileName().toString();
        return n.endsWith(".gguf") ? n.substring(0, n.length() - 5) : n;
    }
}
