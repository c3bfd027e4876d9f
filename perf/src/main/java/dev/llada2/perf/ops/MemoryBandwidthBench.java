package dev.llada2.perf.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * The machine's memory read bandwidth as the engine sees it: a vectorised sum over {@value #BYTES}
 * bytes of off-heap memory (far larger than the caches), split over all cores, like the engine's
 * weight reads. Bandwidth = {@value #BYTES} / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MemoryBandwidthBench {

    public static final long BYTES = 1L << 30;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private Arena arena;
    private MemorySegment data;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        data = arena.allocate(BYTES, 64);
        for (long i = 0; i < BYTES; i += 4096) {
            data.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) i);
        }
    }

    @Benchmark
    public float readAll() {
        int parts = Runtime.getRuntime().availableProcessors() * 4;
        long chunk = BYTES / parts;
        return (float) IntStream.range(0, parts).parallel().mapToDouble(p -> sum(p * chunk, chunk)).sum();
    }

    private float sum(long from, long length) {
        FloatVector acc = FloatVector.zero(F);
        long step = F.vectorByteSize();
        for (long o = from; o < from + length; o += step) {
            acc = acc.add(FloatVector.fromMemorySegment(F, data, o, ByteOrder.LITTLE_ENDIAN));
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }
}
