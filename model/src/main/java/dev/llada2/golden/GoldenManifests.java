package dev.llada2.golden;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.llada2.errors.LladaException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The manifests of one golden set (a folder like {@code ../shared/golden/tiny}): {@code manifest.json}
 * with the generate cases and, when present, {@code edit/manifest.json} with the joint-threshold cases.
 */
public final class GoldenManifests {

    private GoldenManifests() {
    }

    /**
     * Reads a golden manifest. The manifests write -inf confidences as the non-standard token
     * {@code -Infinity}, which plain JSON readers refuse.
     */
    public static JsonNode read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw LladaException.input("golden manifest " + file + " not found");
        }
        try {
            return JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build().readTree(file.toFile());
        } catch (IOException e) {
            throw LladaException.input("golden manifest " + file + " is not readable JSON: " + e.getMessage());
        }
    }

    /** The greedy generate cases of {@code dir/manifest.json} (the official-sampler ones are replay data only). */
    public static List<JsonNode> greedyCases(Path dir) {
        List<JsonNode> out = new ArrayList<>();
        JsonNode cases = read(dir.resolve("manifest.json")).get("generate_cases");
        if (cases == null) {
            throw LladaException.input(dir.resolve("manifest.json") + " has no generate_cases");
        }
        cases.forEach(c -> {
            if (c.path("sampler").asText().equals("greedy")) {
                out.add(c);
            }
        });
        return out;
    }

    /** The joint-threshold cases of {@code dir/edit/manifest.json}; none when the set has no edit folder. */
    public static List<JsonNode> editCases(Path dir) {
        Path file = dir.resolve("edit").resolve("manifest.json");
        List<JsonNode> out = new ArrayList<>();
        if (Files.isRegularFile(file)) {
            read(file).path("cases").forEach(out::add);
        }
        return out;
    }
}
