package dev.llada2.perf.report;

import dev.llada2.perf.ops.LayerBench;
import dev.llada2.perf.ops.MemoryBandwidthBench;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Collection;

/**
 * Runs {@link LayerBench} and {@link MemoryBandwidthBench} in one JMH run and prints a Markdown
 * table for {@code perf/RESULTS.md}: time per 32-token forward of one mini layer, the weight bytes it
 * touches, the effective bandwidth, and the machine's measured bandwidth.
 * Run: {@code java -cp perf/target/benchmarks.jar dev.llada2.perf.report.LayerReport}.
 */
public final class LayerReport {

    private LayerReport() {
    }

    public static void main(String[] args) throws RunnerException {
        long dense = LayerBench.bytesTouched("dense");
        long moe = LayerBench.bytesTouched("moe");
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(LayerBench.class.getSimpleName())
                .include(MemoryBandwidthBench.class.getSimpleName())
                .build()).run();
        double bandwidth = 0;
        for (RunResult r : results) {
            if (r.getParams().getBenchmark().endsWith("readAll")) {
                bandwidth = MemoryBandwidthBench.BYTES / (r.getPrimaryResult().getScore() / 1e3) / 1e9;
            }
        }
        System.out.println();
        System.out.println("| benchmark | time per forward (ms) | ± (99.9%) | weight bytes touched | effective GB/s | % of measured |");
        System.out.println("|---|---|---|---|---|---|");
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            double ms = r.getPrimaryResult().getScore();
            double err = r.getPrimaryResult().getScoreError();
            if (name.endsWith("readAll")) {
                System.out.printf("| memory read (1 GiB, all cores) | %.2f | %.2f | %d | %.2f | 100%% |%n", ms, err,
                        MemoryBandwidthBench.BYTES, bandwidth);
            } else {
                String layer = r.getParams().getParam("layer");
                long bytes = layer.equals("dense") ? dense : moe;
                double gbs = bytes / (ms / 1e3) / 1e9;
                System.out.printf("| mini %s layer, 32-token block | %.2f | %.2f | %d | %.2f | %.0f%% |%n", layer, ms, err,
                        bytes, gbs, 100 * gbs / bandwidth);
            }
        }
    }
}
