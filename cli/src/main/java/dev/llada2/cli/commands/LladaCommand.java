package dev.llada2.cli.commands;

import dev.llada2.io.IoErrors;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * What every subcommand shares: picocli's writers (so tests can capture what a command prints) and
 * usage errors, which exit with code 2.
 */
abstract class LladaCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** A usage error naming what is wrong with the flags. */
    CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Checks an {@code --output} value against the formats a command offers. */
    void requireOutput(String value, String... formats) {
        if (!java.util.List.of(formats).contains(value)) {
            throw usage("--output must be " + String.join(" or ", formats) + ", not '" + value + "'");
        }
    }

    /**
     * Checks an output file before any work: its directory exists, it is not a directory, it is not
     * a file of the model being read ({@code model}, a directory or a GGUF file; null when none), and
     * it exists only when {@code force} allows replacing it.
     */
    void requireOutputFile(String option, Path file, boolean force, Path model) {
        Path dir = file.toAbsolutePath().getParent();
        if (Files.isDirectory(file)) {
            throw usage(option + " " + file + " is a directory; give a file name");
        }
        if (!Files.isDirectory(dir)) {
            Path above = IoErrors.firstFileInPath(file);
            throw usage(option + " " + file + ": " + (above != null ? "not a directory: " + above + " is a file"
                    : "no such directory: " + IoErrors.firstMissing(dir)));
        }
        if (model != null && Files.exists(file) && partOf(file, model)) {
            throw usage(option + " " + file + " is the model being read or one of its files (" + model
                    + "); write to another file");
        }
        if (Files.exists(file) && !force) {
            throw usage(option + " " + file + " exists; pass --force to replace it");
        }
    }

    /** Checks an output directory before any work: not a file, and empty unless {@code force} is given. */
    void requireOutputDir(String option, Path dir, boolean force) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw usage(option + " " + dir + " is a file; give a directory");
        }
        Path parentFile = Files.exists(dir) ? null : IoErrors.firstFileInPath(dir);
        if (parentFile != null) {
            throw usage(option + " " + dir + ": not a directory: " + parentFile + " is a file");
        }
        if (Files.isDirectory(dir) && !force) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw usage(option + " " + dir + " is not empty; pass --force to write the model into it"
                            + " (its model files are replaced)");
                }
            } catch (IOException e) {
                throw usage(option + " " + IoErrors.describe(dir, e));
            }
        }
    }

    /** Whether {@code file} is {@code model} (a GGUF file) or lies in the model directory. */
    private static boolean partOf(Path file, Path model) {
        try {
            if (Files.isRegularFile(model)) {
                return Files.isSameFile(file, model);
            }
            Path dir = file.toAbsolutePath().getParent();
            return Files.isDirectory(model) && Files.isSameFile(dir, model);
        } catch (IOException e) {
            return false;
        }
    }
}
