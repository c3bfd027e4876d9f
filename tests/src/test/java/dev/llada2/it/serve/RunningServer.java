package dev.llada2.it.serve;

import dev.llada2.cli.LladaCli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code llada2 serve ... --port 0} running in-process on its own thread, as a user starts it; the
 * port is read from the line the command prints. {@link #close} interrupts the command, which stops
 * the server as Ctrl-C does, and checks that it exited with 0.
 */
final class RunningServer implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+)/v1");

    private final Thread thread;
    private final StringWriter err;
    private final AtomicInteger exit;
    final URI base;

    private RunningServer(Thread thread, StringWriter err, AtomicInteger exit, URI base) {
        this.thread = thread;
        this.err = err;
        this.exit = exit;
        this.base = base;
    }

    static RunningServer start(String... args) throws InterruptedException {
        List<String> all = new ArrayList<>(List.of("serve", "--port", "0"));
        all.addAll(List.of(args));
        StringWriter err = new StringWriter();
        PrintWriter errWriter = new PrintWriter(err, true);
        AtomicInteger exit = new AtomicInteger(-1);
        Thread t = new Thread(() -> exit.set(LladaCli.run(all.toArray(String[]::new),
                new PrintWriter(new StringWriter(), true), errWriter)), "llada2-serve-under-test");
        t.setDaemon(true);
        t.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            String log = log(err);
            Matcher m = LISTENING.matcher(log);
            if (m.find()) {
                return new RunningServer(t, err, exit, URI.create("http://127.0.0.1:" + m.group(1)));
            }
            if (!t.isAlive()) {
                fail("llada2 serve exited with " + exit.get() + " before listening:\n" + log);
            }
            Thread.sleep(20);
        }
        fail("llada2 serve did not start within 180 s:\n" + log(err));
        return null;
    }

    /** What the server printed so far (start-up notes, one line per request). */
    String log() {
        return log(err);
    }

    private static String log(StringWriter err) {
        synchronized (err.getBuffer()) {
            return err.toString();
        }
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(120));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while stopping the server", e);
        }
        assertFalse(thread.isAlive(), "llada2 serve did not stop:\n" + log());
        assertEquals(0, exit.get(), "llada2 serve's exit code:\n" + log());
    }
}
