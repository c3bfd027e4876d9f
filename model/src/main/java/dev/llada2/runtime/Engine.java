package dev.llada2.runtime;

import dev.llada2.config.LLaDA2Config;

/**
 * A loaded model that runs forwards and owns the prefix KV cache (on whatever device holds each
 * layer). Implemented by the CPU engine and by the TornadoVM backend; the decoder only sees this.
 */
public interface Engine extends AutoCloseable {

    LLaDA2Config config();

    ForwardResult forward(ForwardRequest request);

    /** Positions whose keys/values are cached: {@code [0, cacheLength())}. */
    int cacheLength();

    /** Drops the cache (a new prompt). */
    void resetCache();

    /** Counters since creation: forwards, bytes moved between devices and host. */
    EngineStats stats();

    /** Human-readable description of where things run, e.g. "cpu (2 threads)". */
    String describe();

    @Override
    void close();
}
