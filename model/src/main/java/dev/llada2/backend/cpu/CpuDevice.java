package dev.llada2.backend.cpu;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * A CPU compute device: its own pool of worker threads. Several CPU devices in one process model
 * a multi-device rig (each with its threads and memory budget); a single device uses every core.
 */
public final class CpuDevice implements AutoCloseable {

    private final String name;
    private final int threads;
    private final ForkJoinPool pool;

    public CpuDevice(String name, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a CPU device needs at least one thread, got " + threads);
        }
        this.name = name;
        this.threads = threads;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ForkJoinPool(threads, p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("llada2-" + name + "-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        }, null, false);
    }

    /** One device with all available processors. */
    public static CpuDevice allCores(String name) {
        return new CpuDevice(name, Runtime.getRuntime().availableProcessors());
    }

    public String name() {
        return name;
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body(i)} for i in [0, n) on this device's threads and waits for all. */
    public void parallelFor(int n, IntConsumer body) {
        if (n <= 0) {
            return;
        }
        if (n == 1 || threads == 1) {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            return;
        }
        if (insideOwnPool()) {
            IntStream.range(0, n).parallel().forEach(body);
            return;
        }
        try {
            pool.submit(() -> IntStream.range(0, n).parallel().forEach(body)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while computing on " + name, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        }
    }

    /**
     * Starts {@code work} on this device's threads and returns at once; {@link Pending#join()} waits.
     * Lets several devices compute at the same time (e.g. the expert groups of one MoE layer).
     */
    public Pending start(Runnable work) {
        java.util.concurrent.ForkJoinTask<?> task = pool.submit(work);
        return () -> {
            try {
                task.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while computing on " + name, e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            }
        };
    }

    /** Work started with {@link #start}. */
    public interface Pending {
        void join();
    }

    private boolean insideOwnPool() {
        return Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    @Override
    public String toString() {
        return name + " (" + threads + " threads)";
    }
}
