package dev.llada2.config;

import dev.llada2.errors.LladaException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Built-in {@code config.json} files: {@code mini} and {@code flash} with the real LLaDA2.0
 * dimensions (spec §2.1, the key set of the published checkpoints) and a {@code tiny} shape for tests
 * and demos. Used by {@code init-random}, the planner and benchmarks when no weights are at hand.
 */
public final class ConfigPresets {

    public static final List<String> NAMES = List.of("tiny", "mini", "flash");

    private ConfigPresets() {
    }

    /** The preset's config.json text. */
    public static String json(String name) {
        if (!NAMES.contains(name)) {
            throw LladaException.input("unknown preset \"" + name + "\" (available: " + String.join(", ", NAMES) + ")");
        }
        try (InputStream in = ConfigPresets.class.getResourceAsStream("presets/" + name + ".json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("preset " + name + " missing from the jar", e);
        }
    }

    public static LLaDA2Config load(String name) {
        return ConfigLoader.parse(json(name), "preset " + name);
    }
}
