package dev.llada2.perf.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The machine's fp32 fused multiply-add peak as the Vector API reaches it: on every core at once
 * ({@code @Threads(MAX)}), {@value #CHAINS} independent FMA chains on vectors of the preferred
 * species, in registers only (no loads or stores in the loop), enough chains to cover the FMA latency
 * on two pipes. FLOP/s of the machine = threads x {@link #flopsPerCall()} / time per call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(Threads.MAX)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class FmaPeakBench {

    static final int CHAINS = 12;
    static final int STEPS = 100_000;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** Operands read from a field, so the compiler cannot fold the chains away. */
    public float multiplier = 0.999999f;
    public float addend = 1e-7f;

    /** FLOPs of one {@link #fmaChains()} call: 2 per lane per FMA. */
    public static double flopsPerCall() {
        return 2.0 * CHAINS * STEPS * F.length();
    }

    @Benchmark
    public float fmaChains() {
        FloatVector m = FloatVector.broadcast(F, multiplier);
        FloatVector c = FloatVector.broadcast(F, addend);
        FloatVector a0 = FloatVector.broadcast(F, 0.5f);
        FloatVector a1 = a0.add(1);
        FloatVector a2 = a0.add(2);
        FloatVector a3 = a0.add(3);
        FloatVector a4 = a0.add(4);
        FloatVector a5 = a0.add(5);
        FloatVector a6 = a0.add(6);
        FloatVector a7 = a0.add(7);
        FloatVector a8 = a0.add(8);
        FloatVector a9 = a0.add(9);
        FloatVector a10 = a0.add(10);
        FloatVector a11 = a0.add(11);
        for (int i = 0; i < STEPS; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).lane(0);
    }
}
