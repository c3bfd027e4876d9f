package dev.llada2.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.llada2.errors.LladaException;
import dev.llada2.io.IoErrors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

/**
 * The tensors of a model, by checkpoint name: a Hugging Face checkpoint directory (one
 * {@code model.safetensors} or the shards named by {@code model.safetensors.index.json}'s
 * {@code weight_map}), or a single-file container such as a GGUF file ({@link #of}), whose tensors
 * arrive already renamed to checkpoint names. All files are memory-mapped in one shared arena,
 * closed by {@link #close()}.
 *
 * <p>A sharded checkpoint is cross-checked against its index: every shard file must exist, every
 * tensor the index names must be in the shard it names, no tensor may appear in two shards, and no
 * shard may hold a tensor the index does not list.
 */
public final class Checkpoint implements AutoCloseable {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Path dir;
    private final Arena arena;
    private final List<SafetensorsFile> files;
    private final Map<String, TensorInfo> tensors;
    private final Container container;

    private Checkpoint(Path dir, Arena arena, List<SafetensorsFile> files, Map<String, TensorInfo> tensors,
                       Container container) {
        this.dir = dir;
        this.arena = arena;
        this.files = files;
        this.tensors = tensors;
        this.container = container;
    }

    /**
     * What a single-file container contributes: its own tensor names, what its metadata says (for
     * {@code info}) and how the model was read from it.
     *
     * @param format       e.g. {@code "GGUF v3"}
     * @param metadata     the file's descriptive metadata (short values only)
     * @param nativeNames  the container's name of the tensor holding a checkpoint tensor
     * @param notes        how settings the container does not state were derived
     * @param configSource where the shapes the tensors are checked against come from
     */
    public record Container(Path file, String format, Map<String, String> metadata,
                            Function<String, Optional<String>> nativeNames, List<String> notes, String configSource) {
    }

    /**
     * A checkpoint from a single-file container whose tensors ({@code tensors}, by checkpoint name,
     * views of mappings in {@code arena}) were already read; it owns {@code arena}.
     */
    public static Checkpoint of(Container container, Arena arena, Map<String, TensorInfo> tensors) {
        return new Checkpoint(container.file(), arena, List.of(), Collections.unmodifiableMap(tensors), container);
    }

    /** Opens the checkpoint in {@code dir}; {@code onShardOpened} receives the count of shards opened so far. */
    public static Checkpoint open(Path dir, IntConsumer onShardOpened) {
        if (!Files.isDirectory(dir)) {
            throw LladaException.input(dir + ": not a directory (expected a model directory with config.json and"
                    + " *.safetensors)");
        }
        Arena arena = Arena.ofShared();
        try {
            Path index = dir.resolve(INDEX_FILE);
            Checkpoint cp = Files.exists(index) ? openSharded(dir, index, arena, onShardOpened)
                    : openSingle(dir, arena, onShardOpened);
            return cp;
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public static Checkpoint open(Path dir) {
        return open(dir, n -> { });
    }

    /** The number of files {@link #open} will map, for progress reporting; 0 when unknown. */
    public static int shardCount(Path dir) {
        Path index = dir.resolve(INDEX_FILE);
        if (!Files.exists(index)) {
            return 1;
        }
        try {
            return new TreeSet<>(weightMap(index).values()).size();
        } catch (LladaException e) {
            return 0;
        }
    }

    private static Checkpoint openSingle(Path dir, Arena arena, IntConsumer progress) {
        Path single = dir.resolve(SINGLE_FILE);
        if (!Files.exists(single)) {
            List<String> found = listSafetensors(dir);
            throw LladaException.input(dir + ": no " + SINGLE_FILE + " and no " + INDEX_FILE
                    + (found.isEmpty() ? " (no *.safetensors files at all)"
                    : "; found " + found + " but a sharded checkpoint needs its index file"));
        }
        SafetensorsFile f = SafetensorsFile.open(single, arena);
        progress.accept(1);
        return new Checkpoint(dir, arena, List.of(f), f.tensors(), null);
    }

    private static Checkpoint openSharded(Path dir, Path index, Arena arena, IntConsumer progress) {
        Map<String, String> weightMap = weightMap(index);
        Map<String, List<String>> byShard = new LinkedHashMap<>();
        weightMap.forEach((tensor, shard) -> byShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(tensor));
        for (String shard : byShard.keySet()) {
            Path p = dir.resolve(shard);
            if (!p.normalize().startsWith(dir.normalize()) || shard.contains("/") || shard.contains("\\")) {
                throw LladaException.input(index + ": shard name \"" + shard + "\" must be a file name in " + dir);
            }
            if (!Files.isRegularFile(p)) {
                throw LladaException.input(index + ": shard " + shard + " (holding " + byShard.get(shard).size()
                        + " tensors, e.g. " + byShard.get(shard).getFirst() + ") is missing from " + dir);
            }
        }
        List<SafetensorsFile> files = new ArrayList<>();
        Map<String, TensorInfo> all = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
            SafetensorsFile f = SafetensorsFile.open(dir.resolve(e.getKey()), arena);
            files.add(f);
            for (String name : e.getValue()) {
                if (!f.tensors().containsKey(name)) {
                    throw LladaException.input(index + ": tensor " + name + " is mapped to " + e.getKey()
                            + ", but that file does not contain it");
                }
            }
            for (TensorInfo t : f.tensors().values()) {
                String listed = weightMap.get(t.name());
                if (listed == null) {
                    throw LladaException.input(f.file() + ": tensor " + t.name() + " is not listed in " + INDEX_FILE);
                }
                if (!listed.equals(e.getKey())) {
                    throw LladaException.input(f.file() + ": tensor " + t.name() + " is listed in " + INDEX_FILE
                            + " under " + listed + ", not this file");
                }
                all.put(t.name(), t);
            }
            progress.accept(files.size());
        }
        return new Checkpoint(dir, arena, List.copyOf(files), Collections.unmodifiableMap(all), null);
    }

    /** Reads {@code weight_map} of an index file, refusing duplicate keys. */
    private static Map<String, String> weightMap(Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(index));
        } catch (JsonProcessingException e) {
            throw LladaException.input(index + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw LladaException.input(index + ": cannot read: " + IoErrors.reason(index, e));
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw LladaException.input(index + ": expected an object with a \"weight_map\" of tensor name -> shard file");
        }
        Map<String, String> out = new LinkedHashMap<>();
        map.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw LladaException.input(index + ": weight_map[\"" + e.getKey() + "\"] must be a file name, found "
                        + e.getValue());
            }
            out.put(e.getKey(), e.getValue().asText());
        });
        if (out.isEmpty()) {
            throw LladaException.input(index + ": weight_map is empty");
        }
        return out;
    }

    private static List<String> listSafetensors(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The model directory, or the container file. */
    public Path dir() {
        return dir;
    }

    /** The safetensors files (none for a container). */
    public List<SafetensorsFile> files() {
        return files;
    }

    /** The container this checkpoint was read from; empty for a safetensors directory. */
    public Optional<Container> container() {
        return Optional.ofNullable(container);
    }

    /** One file: its path, tensor count, bytes and descriptive metadata, for {@code info}. */
    public record FileSummary(Path file, int tensors, long bytes, Map<String, String> metadata) {
    }

    public List<FileSummary> fileSummaries() {
        if (container != null) {
            return List.of(new FileSummary(container.file(), tensors.size(),
                    tensors.values().stream().mapToLong(TensorInfo::byteSize).sum(), container.metadata()));
        }
        return files.stream().map(f -> new FileSummary(f.file(), f.tensors().size(),
                f.tensors().values().stream().mapToLong(TensorInfo::byteSize).sum(), f.metadata())).toList();
    }

    /** Where the holder of {@code tensor} is, for messages: its file, and its own name in a container. */
    public String locate(TensorInfo tensor) {
        String file = tensor.file().getFileName().toString();
        return container == null ? file : container.nativeNames().apply(tensor.name())
                .map(n -> n + " in " + file).orElse(file);
    }

    /** The container's name for a checkpoint tensor it should hold (empty for a directory). */
    public Optional<String> nativeName(String tensor) {
        return container == null ? Optional.empty() : container.nativeNames().apply(tensor);
    }

    /** Where the expected shapes come from: {@code config.json}, or the container's metadata. */
    public String configSource() {
        return container == null ? "config.json" : container.configSource();
    }

    /** All tensors by name, in file order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The stored type of every tensor, by name (what the planner counts bytes with). */
    public Map<String, DType> dtypes() {
        Map<String, DType> out = new LinkedHashMap<>();
        tensors.forEach((name, t) -> out.put(name, t.dtype()));
        return out;
    }

    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    @Override
    public void close() {
        arena.close();
    }
}
