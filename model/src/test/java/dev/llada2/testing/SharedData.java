package dev.llada2.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates {@code ../shared} (golden data, test models, tokenizers) relative to the repository root,
 * whatever module directory Maven runs a test in. The root is the nearest ancestor of the working
 * directory that holds the {@code llada2} launcher and the root {@code pom.xml}. {@code LLADA2_SHARED}
 * overrides the location. A test that needs the data and cannot find it fails; it never skips.
 */
public final class SharedData {

    private SharedData() {
    }

    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("llada2")) && Files.isRegularFile(p.resolve("pom.xml"))
                    && Files.isDirectory(p.resolve("model"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root (a folder with ./llada2 and pom.xml)"
                + " above " + dir);
    }

    public static Path root() {
        String override = System.getenv("LLADA2_SHARED");
        Path shared = override != null && !override.isBlank() ? Path.of(override)
                : repositoryRoot().resolve("..").resolve("shared").normalize();
        if (!Files.isDirectory(shared.resolve("golden")) || !Files.isDirectory(shared.resolve("models"))) {
            throw new IllegalStateException("shared test data not found at " + shared
                    + " (expected golden/ and models/ there; CI places it beside the repository, or set LLADA2_SHARED)");
        }
        return shared;
    }

    public static Path model(String name) {
        return root().resolve("models").resolve(name);
    }

    public static Path golden(String name) {
        return root().resolve("golden").resolve(name);
    }

    public static Path tokenizers() {
        return root().resolve("tokenizers");
    }
}
