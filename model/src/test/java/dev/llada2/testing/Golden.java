package dev.llada2.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.checkpoint.SafetensorsFile;
import dev.llada2.checkpoint.TensorInfo;
import dev.llada2.checkpoint.TensorReader;
import dev.llada2.golden.GoldenChecks;
import dev.llada2.golden.GoldenManifests;
import dev.llada2.weights.LoadedModel;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One golden set of {@code ../shared/golden/<name>}: its manifest and tensor files, opened for the
 * life of the JVM (the suites share them).
 */
public final class Golden {

    /** Models with golden data; both are checked by every golden suite. */
    public static final List<String> MODELS = List.of("tiny", "small");

    private final String name;
    private final JsonNode manifest;
    private final Map<String, TensorInfo> forward;
    private final Map<String, TensorInfo> generate;

    private final Arena arena = Arena.ofShared();
    private JsonNode editManifest;
    private LoadedModel model;
    private Map<String, TensorInfo> edit;

    private Golden(String name) {
        this.name = name;
        Path dir = SharedData.golden(name);
        this.manifest = GoldenManifests.read(dir.resolve("manifest.json"));
        this.forward = SafetensorsFile.open(dir.resolve("forward.safetensors"), arena).tensors();
        this.generate = SafetensorsFile.open(dir.resolve("generate.safetensors"), arena).tensors();
    }

    /** The joint-threshold (token editing) cases of {@code <name>/edit/}, read on first use. */
    private synchronized void loadEdit() {
        if (editManifest == null) {
            Path dir = SharedData.golden(name).resolve("edit");
            editManifest = GoldenManifests.read(dir.resolve("manifest.json"));
            edit = SafetensorsFile.open(dir.resolve("generate.safetensors"), arena).tensors();
        }
    }

    private static final Map<String, Golden> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    public static Golden of(String name) {
        return CACHE.computeIfAbsent(name, Golden::new);
    }

    public String name() {
        return name;
    }

    public Path modelDir() {
        return SharedData.model(name);
    }

    /**
     * The golden model, opened on first use and shared by every suite of the JVM (its mapped files are
     * released when the JVM exits).
     */
    public synchronized LoadedModel model() {
        if (model == null) {
            model = LoadedModel.open(modelDir());
        }
        return model;
    }

    public JsonNode manifest() {
        return manifest;
    }

    public List<JsonNode> forwardCases() {
        List<JsonNode> out = new ArrayList<>();
        manifest.get("forward_cases").forEach(out::add);
        return out;
    }

    public List<JsonNode> generateCases() {
        List<JsonNode> out = new ArrayList<>();
        manifest.get("generate_cases").forEach(out::add);
        return out;
    }

    public TensorInfo forwardTensor(String key) {
        TensorInfo t = forward.get(key);
        if (t == null) {
            throw new IllegalStateException(name + "/forward.safetensors has no tensor " + key);
        }
        return t;
    }

    public boolean hasForwardTensor(String key) {
        return forward.containsKey(key);
    }

    /** The joint-threshold (token editing) cases, {@code edit0 ..}. */
    public List<JsonNode> editCases() {
        loadEdit();
        List<JsonNode> out = new ArrayList<>();
        editManifest.get("cases").forEach(out::add);
        return out;
    }

    public TensorInfo editTensor(String key) {
        loadEdit();
        TensorInfo t = edit.get(key);
        if (t == null) {
            throw new IllegalStateException(name + "/edit/generate.safetensors has no tensor " + key);
        }
        return t;
    }

    public TensorInfo generateTensor(String key) {
        TensorInfo t = generate.get(key);
        if (t == null) {
            throw new IllegalStateException(name + "/generate.safetensors has no tensor " + key);
        }
        return t;
    }

    public float[] floats(TensorInfo t) {
        return TensorReader.toFloats(t);
    }

    /** A 2-D I32 tensor as rows. */
    public static int[][] intRows(TensorInfo t) {
        int[] flat = TensorReader.toInts(t);
        int m = (int) t.shape()[1];
        int[][] out = new int[(int) t.shape()[0]][];
        for (int i = 0; i < out.length; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * m, (i + 1) * m);
        }
        return out;
    }

    /** A 2-D F32 tensor as rows. */
    public static float[][] floatRows(TensorInfo t) {
        float[] flat = TensorReader.toFloats(t);
        int m = (int) t.shape()[1];
        float[][] out = new float[(int) t.shape()[0]][];
        for (int i = 0; i < out.length; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * m, (i + 1) * m);
        }
        return out;
    }

    public static int[] ints(JsonNode array) {
        return GoldenChecks.ints(array);
    }
}
