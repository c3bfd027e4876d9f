package dev.llada2.backend.cpu;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

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

    /**
     * Runs {@code body(i)} for i in [0, n) on this device's threads and waits for all. The threads
     * claim indexes one at a time from a shared counter, so uneven items balance themselves and the
     * cost per item is one atomic increment (callers make an item a sizeable piece of work).
     */
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
        AtomicInteger next = new AtomicInteger();
        Runnable claim = () -> {
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                body.accept(i);
            }
        };
        int workers = Math.min(threads, n);
        if (insideOwnPool()) {
            // nested (e.g. experts started on this device): this worker takes part
            ForkJoinTask<?>[] helpers = new ForkJoinTask<?>[workers - 1];
            for (int i = 0; i < helpers.length; i++) {
                helpers[i] = ForkJoinTask.adapt(claim).fork();
            }
            claim.run();
            for (ForkJoinTask<?> h : helpers) {
                h.join();
            }
            return;
        }
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[workers];
        for (int i = 0; i < workers; i++) {
            tasks[i] = pool.submit(claim);
        }
        for (ForkJoinTask<?> t : tasks) {
            await(t);
        }
    }

    private void await(ForkJoinTask<?> task) {
        try {
            task.get();
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
        ForkJoinTask<?> task = pool.submit(work);
        return () -> await(task);
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
