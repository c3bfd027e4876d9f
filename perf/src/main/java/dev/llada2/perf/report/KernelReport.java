package dev.llada2.perf.report;

import dev.llada2.perf.ops.BlockProductBench;
import dev.llada2.perf.ops.FmaPeakBench;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs {@link FmaPeakBench} and {@link BlockProductBench} in one JMH run and prints a Markdown table
 * for {@code perf/RESULTS.md}: the machine's fp32 FMA peak on all cores, and each block product's
 * time, GFLOP/s, percentage of that peak and, per weight format, its time relative to the same
 * product on BF16 weights. Run:
 * {@code java --add-modules jdk.incubator.vector -cp perf/target/benchmarks.jar dev.llada2.perf.report.KernelReport}
 * (JMH options after it, e.g. {@code -p weights=bf16} for BF16 only).
 */
public final class KernelReport {

    private KernelReport() {
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .parent(new CommandLineOptions(args))
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
        Map<String, Double> bf16 = new HashMap<>();
        for (RunResult r : results) {
            if (r.getParams().getBenchmark().endsWith("product") && r.getParams().getParam("weights").equals("bf16")) {
                bf16.put(r.getParams().getParam("shape"), r.getPrimaryResult().getScore());
            }
        }
        System.out.println("| product (fp32 compute, all cores) | weights | time (ms) | ± (99.9%) | GFLOP/s "
                + "| % of FMA peak | time / BF16's |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (RunResult r : results) {
            if (!r.getParams().getBenchmark().endsWith("product")) {
                continue;
            }
            String shape = r.getParams().getParam("shape");
            double ms = r.getPrimaryResult().getScore();
            double gflops = BlockProductBench.flops(shape) / (ms / 1e3) / 1e9;
            Double base = bf16.get(shape);
            System.out.printf("| %s | %s | %.3f | %.3f | %.1f | %.0f%% | %s |%n", label(shape),
                    r.getParams().getParam("weights"), ms, r.getPrimaryResult().getScoreError(), gflops,
                    100 * gflops / peak, base == null ? "—" : String.format("%.2f", ms / base));
        }
    }

    private static String label(String shape) {
        String kind = shape.startsWith("head") ? "LM head " : shape.startsWith("expert") ? "routed expert " : "dense block ";
        String[] d = shape.replaceFirst("^[a-z]+", "").split("x");
        return kind + d[0] + " -> " + d[1] + ", " + d[2] + (d[2].equals("1") ? " token" : " tokens");
    }
}
