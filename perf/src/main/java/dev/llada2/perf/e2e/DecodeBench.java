package dev.llada2.perf.e2e;

import dev.llada2.decode.BlockDiffusionDecoder;
import dev.llada2.decode.DecodeListener;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeResult;
import dev.llada2.decode.EngineDenoiser;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.EngineStats;
import dev.llada2.runtime.ForwardPart;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * End-to-end generation benchmark (the {@code llada2 bench} command): warm-up runs, then measured
 * generations of the same prompt with the same options, reporting forwards, tokens per forward,
 * tokens/s, time per denoising forward (min/median/mean) and where it goes, prefill time, bytes moved
 * and peak memory.
 */
public final class DecodeBench {

    /**
     * One measured generation.
     *
     * @param breakdown where a denoising forward's time went, or null when the engine does not account
     *                  its parts
     */
    public record Run(int tokens, int forwards, int edits, int prefillForwards, int cacheForwards, double tokensPerForward,
                      double tokensPerSecond, double forwardMinMs, double forwardMedianMs, double forwardMeanMs,
                      double prefillMs, double decodeMs, long handoffBytes, long hostToDeviceBytes,
                      long deviceToHostBytes, double hostToDeviceBytesPerForward, double deviceToHostBytesPerForward,
                      double deviceToDeviceBytesPerForward, double graphExecutionsPerForward,
                      double kernelLaunchesPerForward, double deviceBytesPerForward, Breakdown breakdown) {
    }

    /**
     * Milliseconds per denoising forward: the engine's time in each {@link ForwardPart} over the whole
     * generation (prefill and cache-update passes included), and the decoder's own work (commit
     * rule, canvas, scheduling: the generation's time outside the engine), each divided by the number
     * of denoising forwards, so that the parts add up to the generation time per forward.
     *
     * @param partMs indexed by {@link ForwardPart#ordinal()}
     */
    public record Breakdown(double[] partMs, double bookkeepingMs) {

        public double totalMs() {
            double sum = bookkeepingMs;
            for (double ms : partMs) {
                sum += ms;
            }
            return sum;
        }
    }

    /** All runs plus the process's peak memory. */
    public record Report(List<Run> runs, long peakHeapBytes, long peakRssBytes) {

        public Run median() {
            List<Run> sorted = new ArrayList<>(runs);
            sorted.sort((a, b) -> Double.compare(a.tokensPerSecond(), b.tokensPerSecond()));
            return sorted.get(sorted.size() / 2);
        }
    }

    private DecodeBench() {
    }

    /**
     * @param progress told the index of each run as it starts (negative for warm-up runs)
     */
    public static Report run(Engine engine, int[] prompt, DecodeOptions options, int warmup, int runs,
                             IntConsumer progress) {
        for (int i = 0; i < warmup; i++) {
            progress.accept(-(i + 1));
            once(engine, prompt, options);
        }
        List<Run> out = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            progress.accept(i);
            out.add(once(engine, prompt, options));
        }
        return new Report(out, peakHeap(), peakRss());
    }

    private static Run once(Engine engine, int[] prompt, DecodeOptions o) {
        TimingDenoiser timing = new TimingDenoiser(new EngineDenoiser(engine, o.kvCache()));
        EngineStats.Snapshot before = engine.stats().snapshot();
        DecodeResult r = BlockDiffusionDecoder.of(timing, o).generate(prompt, DecodeListener.NONE);
        EngineStats.Snapshot moved = engine.stats().snapshot().minus(before);
        List<Long> ns = new ArrayList<>(timing.forwardNanos());
        ns.sort(Long::compare);
        double min = ns.isEmpty() ? 0 : ns.getFirst() / 1e6;
        double median = ns.isEmpty() ? 0 : ns.get(ns.size() / 2) / 1e6;
        double mean = ns.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6;
        return new Run(r.generatedIds().length, r.forwards(), r.edits(), r.prefillForwards(), r.cacheForwards(),
                r.tokensPerForward(), r.tokensPerSecond(), min, median, mean, r.prefillNanos() / 1e6,
                r.decodeNanos() / 1e6, moved.handoffBytes(), moved.hostToDeviceBytes(), moved.deviceToHostBytes(),
                perForward(moved.hostToDeviceBytes(), moved), perForward(moved.deviceToHostBytes(), moved),
                perForward(moved.handoffBytes(), moved), perForward(moved.graphExecutions(), moved), perForward(moved.kernelLaunches(), moved),
                perForward(moved.deviceBytes(), moved),
                breakdown(moved, r.prefillNanos() + r.decodeNanos(), ns.size()));
    }

    private static Breakdown breakdown(EngineStats.Snapshot moved, long generationNanos, int forwards) {
        long engineNanos = 0;
        for (long p : moved.partNanos()) {
            engineNanos += p;
        }
        if (engineNanos == 0 || forwards == 0) {
            return null;
        }
        double[] ms = new double[ForwardPart.values().length];
        for (ForwardPart p : ForwardPart.values()) {
            ms[p.ordinal()] = moved.partNanos(p) / 1e6 / forwards;
        }
        return new Breakdown(ms, (generationNanos - engineNanos) / 1e6 / forwards);
    }

    /** A counter over the engine forwards of one run (a forward can span several passes or devices). */
    private static double perForward(long count, EngineStats.Snapshot moved) {
        return moved.forwards() == 0 ? 0 : (double) count / moved.forwards();
    }

    /** Peak use of the Java heap pools since start. */
    static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** Peak resident set size of the process (Linux {@code VmHWM}), including mapped weights read; -1 elsewhere. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
