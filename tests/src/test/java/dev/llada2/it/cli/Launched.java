package dev.llada2.it.cli;

import dev.llada2.cli.LladaCli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The CLI in its own JVM, as the {@code llada2} launcher starts it (same JVM flags, this test's class
 * path), for what an in-process run cannot show: signals and the process exit code.
 */
final class Launched implements AutoCloseable {

    private final Process process;
    private final Path stderr;

    private Launched(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
    }

    static Launched start(Path workDir, String... args) throws IOException {
        // a process started from a background job inherits SIGINT ignored, and the JVM then keeps it ignored;
        // a terminal's Ctrl-C reaches a process whose SIGINT is in its default state
        List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss4m",
                "-cp", System.getProperty("java.class.path"), LladaCli.class.getName()));
        command.addAll(List.of(args));
        Path err = workDir.resolve("stderr.txt");
        Process p = new ProcessBuilder(command).redirectError(err.toFile())
                .redirectOutput(workDir.resolve("stdout.txt").toFile()).start();
        return new Launched(p, err);
    }

    /** Waits (at most two minutes) until {@code condition} holds while the process runs; false if it ended first. */
    boolean awaitWhileRunning(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline && process.isAlive()) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** Sends SIGINT, as Ctrl-C in a terminal does. */
    void interrupt() throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    int waitFor() throws InterruptedException {
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the process did not end");
        }
        return process.exitValue();
    }

    String stderr() throws IOException {
        return Files.readString(stderr);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
