package dev.llada2.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.arch.LLaDA2Architecture;
import dev.llada2.arch.TensorRole;
import dev.llada2.arch.TensorSpec;
import dev.llada2.checkpoint.Checkpoint;
import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.SafetensorsWriter;
import dev.llada2.checkpoint.TensorReader;
import dev.llada2.config.ConfigLoader;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;
import dev.llada2.io.AtomicFile;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Writes a random-weight checkpoint in the real Hugging Face layout: {@code config.json} and
 * safetensors (one file or shards plus {@code model.safetensors.index.json}), with the real tensor
 * names and shapes of {@link LLaDA2Architecture#tensors}. For tests, benchmarks and device profiling
 * without downloading weights; the output of such a model is meaningless text.
 *
 * <p>Values follow the recipe of the shared golden models: embeddings N(0,1), projections
 * N(0, 1/fan_in), RMSNorm weights 1 + 0.1 N(0,1), expert bias 0.1 N(0,1) (stored F32, as inference
 * engines keep it), lm_head N(0, 1/fan_in) x {@code lmHeadScale} with the mask token's row zero.
 * Weights are BF16 (round to nearest even). Normals are approximated by a sum of four uniforms:
 * fast, and statistically irrelevant for a random model. Each tensor is seeded from the seed and its
 * name, so the file is the same whatever the thread count.
 *
 * <p>Each file is written atomically ({@link AtomicFile}) and {@code config.json} last, so an
 * interrupted write leaves no half file and no directory that looks like a complete model.
 */
public final class RandomCheckpoint {

    /**
     * @param seed        base seed
     * @param shards      number of safetensors files (1 = {@code model.safetensors})
     * @param lmHeadScale multiplies lm_head (larger = sharper, more confident predictions)
     */
    public record Options(long seed, int shards, double lmHeadScale) {
        public Options {
            if (shards < 1) {
                throw LladaException.input("--shards must be >= 1, got " + shards);
            }
        }
    }

    /** Runs a batch of fills, possibly in parallel; told the name of the file being written. */
    public interface Runner {
        void run(List<Runnable> fills, String fileName);
    }

    private RandomCheckpoint() {
    }

    /**
     * Writes the checkpoint for {@code configJson} into {@code dir} (created if needed).
     *
     * @param bytesDone receives the running total of weight bytes written
     * @return the config as validated
     */
    public static LLaDA2Config write(Path dir, ObjectNode configJson, Options options, Runner runner,
                                     LongConsumer bytesDone) {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        String configText;
        try {
            configText = json.writeValueAsString(configJson);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        LLaDA2Config config = ConfigLoader.parse(configText, "generated config.json");
        List<TensorSpec> specs = LLaDA2Architecture.tensors(config);
        int mask = config.maskTokenId().orElse(-1);
        long total = bytes(specs);
        List<List<TensorSpec>> shards = shards(specs, options.shards());
        checkShards(specs, options.shards());
        AtomicFile.requireSpace(dir, total, "the checkpoint (" + dir + ")");
        try {
            Files.createDirectories(dir);
            // config.json goes last: a directory holding one is complete, even when an earlier model is replaced
            Files.deleteIfExists(dir.resolve("config.json"));
            Files.deleteIfExists(dir.resolve(Checkpoint.INDEX_FILE));
            Files.deleteIfExists(dir.resolve(Checkpoint.SINGLE_FILE));
        } catch (IOException e) {
            throw AtomicFile.cannotWrite(dir, e);
        }
        AtomicLong done = new AtomicLong();
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (int i = 0; i < shards.size(); i++) {
            String name = shards.size() == 1 ? Checkpoint.SINGLE_FILE
                    : String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            for (TensorSpec s : shards.get(i)) {
                weightMap.put(s.name(), name);
                entries.add(new SafetensorsWriter.Entry(s.name(), dtypeOf(s), s.shape(), (seg, e) -> {
                    fill(seg, s, options, mask);
                    bytesDone.accept(done.addAndGet(seg.byteSize()));
                }));
            }
            SafetensorsWriter.write(dir.resolve(name), entries, Map.of("format", "pt"), runner::run);
        }
        if (shards.size() > 1) {
            writeIndex(dir, json, total, weightMap);
        }
        AtomicFile.writeString(dir.resolve("config.json"), configText + "\n");
        return config;
    }

    /** Refuses a shard count the tensors cannot fill (a tensor is never split), before anything is written. */
    public static void checkShards(LLaDA2Config config, int requested) {
        checkShards(LLaDA2Architecture.tensors(config), requested);
    }

    private static void checkShards(List<TensorSpec> specs, int requested) {
        int made = shards(specs, requested).size();
        if (made != requested) {
            int most = made;
            while (shards(specs, most).size() != most) {
                most--;
            }
            throw LladaException.input("--shards " + requested + ": this model's tensors make only " + made
                    + " files of about equal size (a tensor is never split); ask for at most " + most);
        }
    }

    /** Consecutive tensors in files of about equal size; a tensor is never split. */
    private static List<List<TensorSpec>> shards(List<TensorSpec> specs, int requested) {
        long perShard = (bytes(specs) + requested - 1) / requested;
        List<List<TensorSpec>> shards = new ArrayList<>();
        List<TensorSpec> current = new ArrayList<>();
        long size = 0;
        for (TensorSpec s : specs) {
            long b = s.elements() * dtypeOf(s).bytes();
            if (!current.isEmpty() && size + b > perShard && shards.size() < requested - 1) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(s);
            size += b;
        }
        shards.add(current);
        return shards;
    }

    private static long bytes(List<TensorSpec> specs) {
        return specs.stream().mapToLong(s -> s.elements() * dtypeOf(s).bytes()).sum();
    }

    private static void writeIndex(Path dir, ObjectMapper json, long total, Map<String, String> weightMap) {
        ObjectNode index = json.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(map::put);
        try {
            AtomicFile.writeString(dir.resolve(Checkpoint.INDEX_FILE), json.writeValueAsString(index) + "\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static DType dtypeOf(TensorSpec s) {
        return s.role() == TensorRole.EXPERT_BIAS ? DType.F32 : DType.BF16;
    }

    private static void fill(MemorySegment out, TensorSpec s, Options o, int maskRow) {
        SplittableRandom random = new SplittableRandom(o.seed() * 0x9E3779B97F4A7C15L + s.name().hashCode());
        long n = s.elements();
        double fanIn = s.shape().length == 2 ? s.shape()[1] : 1;
        double mean = 0;
        double std;
        switch (s.role()) {
            case EMBEDDING -> std = 1.0;
            case INPUT_NORM, POST_NORM, QUERY_NORM, KEY_NORM, FINAL_NORM -> {
                mean = 1.0;
                std = 0.1;
            }
            case EXPERT_BIAS -> std = 0.1;
            case QKV_BIAS, ATTENTION_OUT_BIAS -> std = 0.02;
            case LM_HEAD -> std = o.lmHeadScale() / Math.sqrt(fanIn);
            default -> std = 1.0 / Math.sqrt(fanIn);
        }
        boolean f32 = dtypeOf(s) == DType.F32;
        long cols = s.shape().length == 2 ? s.shape()[1] : n;
        for (long i = 0; i < n; i++) {
            float v = (float) (mean + std * approxNormal(random));
            if (s.role() == TensorRole.LM_HEAD && i / cols == maskRow) {
                v = 0f;
            }
            if (f32) {
                out.set(TensorReader.FLOAT_LE, 4 * i, v);
            } else {
                out.set(TensorReader.SHORT_LE, 2 * i, toBf16(v));
            }
        }
    }

    /** Sum of four 16-bit uniforms, centred and scaled to unit variance. */
    private static double approxNormal(SplittableRandom r) {
        long bits = r.nextLong();
        double sum = (bits & 0xFFFF) + ((bits >>> 16) & 0xFFFF) + ((bits >>> 32) & 0xFFFF) + (bits >>> 48);
        return (sum / 65536.0 - 2.0) * Math.sqrt(3.0);
    }

    /** fp32 to bf16, round to nearest even. */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) 0x7FC0;
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
