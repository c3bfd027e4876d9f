package dev.llada2.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.llada2.checkpoint.SafetensorsFile;
import dev.llada2.checkpoint.TensorInfo;
import dev.llada2.checkpoint.TensorReader;

import java.io.IOException;
import java.io.UncheckedIOException;
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

    private Golden(String name) {
        this.name = name;
        Path dir = SharedData.golden(name);
        try {
            // the manifest writes -inf confidences as the non-standard token -Infinity
            this.manifest = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build()
                    .readTree(dir.resolve("manifest.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Arena arena = Arena.ofShared();
        this.forward = SafetensorsFile.open(dir.resolve("forward.safetensors"), arena).tensors();
        this.generate = SafetensorsFile.open(dir.resolve("generate.safetensors"), arena).tensors();
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

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
