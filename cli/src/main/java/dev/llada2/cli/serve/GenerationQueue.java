package dev.llada2.cli.serve;

import dev.llada2.runtime.Engine;
import dev.llada2.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * One generation at a time on the engine, the others waiting in arrival order. At most
 * {@code maxQueue} wait (0: a request is taken only when the engine is idle); {@link #offer} refuses
 * more, and the server answers 429. A single thread runs the generations: an {@link Engine} runs
 * one generation at a time and owns its KV cache.
 */
final class GenerationQueue implements AutoCloseable {

    private final BlockingQueue<Generation> waiting;
    private final Engine engine;
    private final Optional<Tokenizer> tokenizer;
    private final Thread worker;
    private volatile Generation running;
    private volatile boolean closed;

    GenerationQueue(int maxQueue, Engine engine, Optional<Tokenizer> tokenizer) {
        this.waiting = maxQueue == 0 ? new SynchronousQueue<>() : new LinkedBlockingQueue<>(maxQueue);
        this.engine = engine;
        this.tokenizer = tokenizer;
        this.worker = Thread.ofPlatform().name("llada2-generation").daemon().unstarted(this::loop);
        worker.start();
    }

    /** Queues a generation; false when the queue is full or closed. */
    boolean offer(Generation g) {
        return !closed && waiting.offer(g);
    }

    /** Takes back a generation cancelled while waiting. */
    void remove(Generation g) {
        waiting.remove(g);
    }

    /** Requests waiting (the running one not counted). */
    int depth() {
        return waiting.size();
    }

    boolean closed() {
        return closed;
    }

    boolean busy() {
        return running != null;
    }

    private void loop() {
        while (!closed) {
            Generation g;
            try {
                // A short wait, not take(): the loop sees close() without interrupting the engine's thread.
                g = waiting.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (g == null) {
                continue;
            }
            if (closed) {
                if (g.cancel(Generation.Cancel.SHUTDOWN)) {
                    g.abandon();
                }
                continue;
            }
            running = g;
            try {
                g.runOn(engine, tokenizer);
            } finally {
                running = null;
            }
        }
    }

    /**
     * Stops taking requests, cancels the running generation and every waiting one (each answered
     * 503), and waits for the generation thread to finish its current forward.
     */
    @Override
    public void close() {
        closed = true;
        List<Generation> left = new ArrayList<>();
        waiting.drainTo(left);
        for (Generation g : left) {
            if (g.cancel(Generation.Cancel.SHUTDOWN)) {
                g.abandon();
            }
        }
        Generation g = running;
        if (g != null) {
            g.cancel(Generation.Cancel.SHUTDOWN);
        }
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
