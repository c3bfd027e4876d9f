package dev.llada2.perf.ops;

import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.trace.ForwardTrace;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.LayerWeights;
import dev.llada2.weights.LoadedModel;
import dev.llada2.weights.MlpWeights;
import dev.llada2.weights.MoeWeights;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One LLaDA2.0-mini decoder layer (dense layer 0, or a MoE layer: 256 experts, top-8, 1 shared) on
 * the CPU engine for a 32-token diffusion block: the work of one denoising step per layer. The
 * weights touched per forward ({@link #bytesTouched}) divided by the time gives the effective
 * bandwidth that {@code LayerReport} sets beside the machine's ({@link MemoryBandwidthBench}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class LayerBench {

    static final int BLOCK = 32;

    @Param({"dense", "moe"})
    public String layer;

    /** The weights as stored: the BF16 checkpoint, or a GGUF of it written by {@code llada2 quantize}. */
    @Param({"bf16"})
    public String weights;

    private LoadedModel model;
    private Engine engine;
    private int[] tokens;

    @Setup(Level.Trial)
    public void setup() {
        model = LoadedModel.open(BenchModels.miniLayer(layer, weights));
        engine = CpuEngine.singleDevice(model.weights());
        tokens = blockTokens(model.config().vocabSize());
    }

    /** A block of random tokens with about a fifth masked, like a diffusion step. */
    static int[] blockTokens(int vocab) {
        SplittableRandom r = new SplittableRandom(42);
        return r.ints(BLOCK, 0, vocab - 100).toArray();
    }

    /**
     * The benchmarked layer is its model's last, where the engine computes past attention only the
     * rows the head reads, and a forward without a head reads none: with {@link TraceSink#NONE} the
     * layer's feed-forward would not run at all (it did not, from the engine's commit 3ceb008 until
     * e7b24f5). {@link TraceSink#EVERY_ROW} keeps every row, as every layer but the last does in a
     * real forward.
     */
    @Benchmark
    public Object forward() {
        engine.resetCache();
        return engine.forward(new ForwardRequest(tokens, 0, new AttentionMask.BlockCausal(BLOCK), false,
                HeadRequest.none(), TraceSink.EVERY_ROW));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
        model.close();
    }

    /**
     * Weight bytes one forward of the block reads: every non-expert tensor of the layer, and each
     * routed expert selected by at least one token of the block (counted from the router's output).
     */
    public static long bytesTouched(String layer) {
        return bytesTouched(layer, "bf16");
    }

    /** {@link #bytesTouched(String)} for the layer stored as {@code weights}. */
    public static long bytesTouched(String layer, String weights) {
        try (LoadedModel m = LoadedModel.open(BenchModels.miniLayer(layer, weights));
             Engine e = CpuEngine.singleDevice(m.weights())) {
            LayerWeights l = m.weights().layers().getFirst();
            long bytes = l.attention().bytes();
            if (l.ffn() instanceof MoeWeights moe) {
                ForwardTrace trace = new ForwardTrace();
                e.forward(new ForwardRequest(blockTokens(m.config().vocabSize()), 0, new AttentionMask.BlockCausal(BLOCK),
                        false, HeadRequest.none(), trace));
                int[] idx = trace.tensors().get("router.layer0.topk_idx").ints();
                long distinct = Arrays.stream(idx).distinct().count();
                bytes += moe.router().bytes() + moe.shared().map(MlpWeights::bytes).orElse(0L)
                        + distinct * moe.experts().getFirst().bytes();
            } else {
                bytes += l.ffn().bytes();
            }
            return bytes;
        }
    }
}
