package dev.llada2.perf.report;

import dev.llada2.perf.ops.BlockProductBench;
import dev.llada2.perf.ops.FmaPeakBench;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Collection;

/**
 * Runs {@link FmaPeakBench} and {@link BlockProductBench} in one JMH run and prints a Markdown table
 * for {@code perf/RESULTS.md}: the machine's fp32 FMA peak on all cores, and each block product's
 * time, GFLOP/s and percentage of that peak. Run:
 * {@code java --add-modules jdk.incubator.vector -cp perf/target/benchmarks.jar dev.llada2.perf.report.KernelReport}.
 */
public final class KernelReport {

    private KernelReport() {
    }

    public static void main(String[] args) throws RunnerException {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(FmaPeakBench.class.getSimpleName())
                .include(BlockProductBench.class.getSimpleName())
                .build()).run();
        double peak = 0;
        for (RunResult r : results) {
            if (r.getParams().getBenchmark().endsWith("fmaChains")) {
                int threads = r.getParams().getThreads();
                peak = threads * FmaPeakBench.flopsPerCall() / (r.getPrimaryResult().getScore() / 1e6) / 1e9;
                System.out.printf("%n| fp32 FMA peak (register-only chains, %d threads) | %.1f GFLOP/s |%n", threads, peak);
            }
        }
        System.out.println();
        System.out.println("| product (BF16 weights, fp32, all cores) | time (ms) | ± (99.9%) | GFLOP/s | % of FMA peak |");
        System.out.println("|---|---|---|---|---|");
        for (RunResult r : results) {
            if (!r.getParams().getBenchmark().endsWith("product")) {
                continue;
            }
            String shape = r.getParams().getParam("shape");
            double ms = r.getPrimaryResult().getScore();
            double gflops = BlockProductBench.flops(shape) / (ms / 1e3) / 1e9;
            System.out.printf("| %s | %.2f | %.2f | %.1f | %.0f%% |%n", label(shape), ms,
                    r.getPrimaryResult().getScoreError(), gflops, 100 * gflops / peak);
        }
    }

    private static String label(String shape) {
        String[] d = shape.replace("head", "").split("x");
        return (shape.startsWith("head") ? "LM head " : "dense block ") + d[0] + " -> " + d[1] + ", " + d[2]
                + " tokens";
    }
}
