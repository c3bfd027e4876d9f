package dev.llada2.checkpoint.gguf;

import dev.llada2.checkpoint.Checkpoint;
import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.TensorInfo;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A LLaDA2 model in one GGUF file: its configuration from the {@code llada2.*} metadata and its
 * tensors under the engine's checkpoint names, still views of the file's memory mapping. A merged
 * expert tensor becomes one view per expert (the experts are consecutive slabs of it). Tensors this
 * engine does not know keep their GGUF names and are reported as unexpected by the binder.
 */
public final class GgufCheckpoint {

    /** The metadata keys {@code info} shows for the file (short, descriptive values). */
    private static final List<String> SUMMARY_KEYS = List.of("general.architecture", "general.name",
            "general.file_type", "general.quantization_version", "general.alignment", "tokenizer.ggml.model",
            "tokenizer.ggml.pre");

    private static final String ARCH_KEYS = LLaDA2GgufNames.ARCHITECTURE + ".*";

    public record Opened(LLaDA2Config config, Checkpoint checkpoint) {
    }

    private GgufCheckpoint() {
    }

    public static Opened open(Path file) {
        Arena arena = Arena.ofShared();
        try {
            GgufFile gguf = GgufFile.open(file, arena);
            LLaDA2GgufConfig.Result config = LLaDA2GgufConfig.read(gguf);
            List<String> notes = new ArrayList<>(config.derived());
            Map<String, TensorInfo> tensors = tensors(gguf, notes);
            Map<String, String> summary = new LinkedHashMap<>();
            summary.put("version", String.valueOf(gguf.version()));
            for (String key : SUMMARY_KEYS) {
                if (gguf.metadata().has(key) && !(gguf.metadata().values().get(key) instanceof GgufArray)) {
                    summary.put(key, String.valueOf(gguf.metadata().values().get(key)));
                }
            }
            Checkpoint.Container container = new Checkpoint.Container(gguf.file(), "GGUF v" + gguf.version(), summary,
                    LLaDA2GgufNames::ggufName, notes, "the " + ARCH_KEYS + " metadata");
            return new Opened(config.config(), Checkpoint.of(container, arena, tensors));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, TensorInfo> tensors(GgufFile gguf, List<String> notes) {
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        Path file = gguf.file();
        for (GgufTensor t : gguf.tensors().values()) {
            Optional<LLaDA2GgufNames.Experts> experts = LLaDA2GgufNames.experts(t.name());
            Optional<String> name = LLaDA2GgufNames.checkpointName(t.name());
            if (experts.isEmpty() && name.isEmpty()) {
                t.type().dtype().ifPresentOrElse(
                        d -> out.put(t.name(), new TensorInfo(t.name(), d, t.shape(), file, at(gguf, t), t.data())),
                        () -> notes.add("tensor " + t.name() + " (" + t.type() + ") is not part of the model: ignored"));
                continue;
            }
            DType dtype = t.type().dtype().filter(DType::isComputable).orElseThrow(() -> LladaException.input(file
                    + ": tensor " + t.name() + " is " + t.type() + ", a type this engine does not compute with"
                    + " (supported: " + GgmlType.computable() + "); requantize the model, e.g. llada2 quantize"
                    + " --type q4_k_m"));
            if (experts.isPresent()) {
                if (t.ne().length != 3) {
                    throw LladaException.input(file + ": tensor " + t.name() + " holds the routed experts and must"
                            + " have 3 dimensions {cols, rows, experts}, found ne " + java.util.Arrays.toString(t.ne()));
                }
                long slab = t.data().byteSize() / t.ne()[2];
                long[] shape = {t.ne()[1], t.ne()[0]};
                for (int e = 0; e < t.ne()[2]; e++) {
                    String expert = experts.get().expertName(e);
                    out.put(expert, new TensorInfo(expert, dtype, shape, file, at(gguf, t) + e * slab,
                            t.data().asSlice(e * slab, slab)));
                }
            } else {
                out.put(name.get(), new TensorInfo(name.get(), dtype, t.shape(), file, at(gguf, t), t.data()));
            }
        }
        return out;
    }

    private static long at(GgufFile gguf, GgufTensor t) {
        return gguf.dataStart() + t.offset();
    }
}
