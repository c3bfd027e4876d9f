package dev.llada2.profiles;

import dev.llada2.errors.LladaException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The profiles shipped in the jar ({@code src/main/resources/dev/llada2/profiles/NAME.json}); the
 * README describes each one.
 */
public final class BundledProfiles {

    private static final List<String> NAMES = List.of(
            "cpu",
            "cpu2-layer-split",
            "cpu2-expert-parallel",
            "cpu2-expert-offload",
            "cpu2-rules",
            "pocl2-layer-split",
            "pocl2-expert-parallel",
            "gpu1x80-mini",
            "gpu4x80-flash",
            "gpu4x80-flash-ep",
            "gpu8x24",
            "gpu1-cpu-experts");

    private BundledProfiles() {
    }

    /** The bundled profile names, in the order the README lists them. */
    public static List<String> names() {
        return NAMES;
    }

    /** The JSON text of bundled profile {@code name}. */
    public static String json(String name) {
        if (!NAMES.contains(name)) {
            throw LladaException.input("unknown bundled profile \"" + name + "\" (bundled: "
                    + String.join(", ", NAMES) + ")");
        }
        try (InputStream in = BundledProfiles.class.getResourceAsStream(name + ".json")) {
            if (in == null) {
                throw new IllegalStateException("bundled profile " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundled profile " + name, e);
        }
    }

    public static HardwareProfile load(String name) {
        return ProfileLoader.parse(json(name), "bundled profile " + name);
    }
}
