package dev.llada2.perf.report;

import dev.llada2.perf.ops.LayerBench;
import dev.llada2.perf.ops.MemoryBandwidthBench;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs {@link LayerBench} and {@link MemoryBandwidthBench} in one JMH run and prints a Markdown
 * table for {@code perf/RESULTS.md}: time per 32-token forward of one mini layer, the weight bytes it
 * touches, the effective bandwidth, and the machine's measured bandwidth; for the weights in BF16 and
 * as {@code llada2 quantize} writes them in Q8_0 and Q4_K_M, with each format's time relative to BF16.
 * Run: {@code java -cp perf/target/benchmarks.jar dev.llada2.perf.report.LayerReport}.
 */
public final class LayerReport {

    private LayerReport() {
    }

    /** The weight formats measured: the BF16 checkpoint and its GGUF quantizations. */
    static final String[] WEIGHTS = {"bf16", "q8_0", "q4_k_m"};

    public static void main(String[] args) throws RunnerException {
        Map<String, Long> bytes = new HashMap<>();
        for (String layer : new String[] {"dense", "moe"}) {
            for (String w : WEIGHTS) {
                bytes.put(layer + "/" + w, LayerBench.bytesTouched(layer, w));
            }
        }
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(LayerBench.class.getSimpleName())
                .include(MemoryBandwidthBench.class.getSimpleName())
                .param("weights", WEIGHTS)
                .build()).run();
        double bandwidth = 0;
        Map<String, Double> bf16 = new HashMap<>();
        for (RunResult r : results) {
            if (r.getParams().getBenchmark().endsWith("readAll")) {
                bandwidth = MemoryBandwidthBench.BYTES / (r.getPrimaryResult().getScore() / 1e3) / 1e9;
            } else if (r.getParams().getParam("weights").equals("bf16")) {
                bf16.put(r.getParams().getParam("layer"), r.getPrimaryResult().getScore());
            }
        }
        System.out.println();
        System.out.println("| benchmark | weights | time per forward (ms) | ± (99.9%) | x BF16 time | weight bytes touched"
                + " | effective GB/s | % of measured |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            double ms = r.getPrimaryResult().getScore();
            double err = r.getPrimaryResult().getScoreError();
            if (name.endsWith("readAll")) {
                System.out.printf("| memory read (1 GiB, all cores) | - | %.2f | %.2f | - | %d | %.2f | 100%% |%n", ms, err,
                        MemoryBandwidthBench.BYTES, bandwidth);
            } else {
                String layer = r.getParams().getParam("layer");
                String w = r.getParams().getParam("weights");
                long b = bytes.get(layer + "/" + w);
                double gbs = b / (ms / 1e3) / 1e9;
                System.out.printf("| mini %s layer, 32-token block | %s | %.2f | %.2f | %.2f | %d | %.2f | %.0f%% |%n", layer,
                        w, ms, err, ms / bf16.get(layer), b, gbs, 100 * gbs / bandwidth);
            }
        }
    }
}
