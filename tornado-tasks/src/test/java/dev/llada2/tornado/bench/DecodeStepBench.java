package dev.llada2.tornado.bench;

import dev.llada2.backend.DeviceId;
import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.EngineStats;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.tornado.TornadoEngine;
import dev.llada2.tornado.TornadoEngineOptions;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.LoadedModel;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Times one decoding step, a 32-token block forward against a 32-position cached prefix with a greedy
 * head on all 32 rows (what the block-diffusion decoder runs per step with the KV cache), on the CPU
 * engine and on a TornadoVM device, and reports the bytes that cross between host and device per
 * step and the engine's warm-up time. A test-scope tool for {@code perf/RESULTS.md}, not a test.
 *
 * <pre>
 *   LD_PRELOAD=$JAVA_HOME/lib/libjsig.so java @$TORNADOVM_HOME/tornado-argfile --module-path $TORNADOVM_HOME/share/java/tornado \
 *        -cp CLASSPATH dev.llada2.tornado.bench.DecodeStepBench MODEL_DIR [STEPS] [tornado:B:D] [profile]
 * </pre>
 */
public final class DecodeStepBench {

    private static final int BLOCK = 32;

    private DecodeStepBench() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        DeviceId device = DeviceId.parse(args.length > 2 ? args[2] : "tornado:0:0");
        boolean profile = args.length > 3 && args[3].equals("profile");
        try (LoadedModel m = LoadedModel.open(dir)) {
            int vocab = m.config().vocabSize();
            int mask = m.config().maskTokenId().orElse(vocab - 1);
            SplittableRandom random = new SplittableRandom(1);
            int[] prompt = IntStream.range(0, BLOCK).map(i -> random.nextInt(vocab)).toArray();
            int[] block = IntStream.range(0, BLOCK).map(i -> i < 8 ? random.nextInt(vocab) : mask).toArray();
            System.out.println("model: " + m.config().summary());
            ForwardResult cpuStep;
            try (Engine cpu = CpuEngine.singleDevice(m.weights())) {
                cpuStep = measure("cpu", cpu, prompt, block, steps);
            }
            long t0 = System.nanoTime();
            try (TornadoEngine tornado = new TornadoEngine(m.weights(), device,
                    TornadoEngineOptions.defaults(m.config()).withProfile(profile))) {
                double create = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "tornado: engine created in %.1f s (weights copied to upload layout,"
                        + " graphs built, warm-up pass %.1f s = JIT compile + weight upload + first pass)%n", create,
                        tornado.warmUpSeconds());
                System.out.println("tornado: " + tornado.describe());
                if (profile) {
                    System.out.printf(Locale.ROOT, "tornado: JIT compile time reported by TornadoVM's profiler:"
                            + " %.1f s (step times below include the profiler's overhead)%n",
                            tornado.profiledCompileSeconds());
                }
                System.out.printf(Locale.ROOT, "tornado: one-time host->device bytes (weights, tables, caches,"
                        + " scratch): %,d%n", tornado.stats().hostToDeviceBytes());
                ForwardResult step = measure("tornado", tornado, prompt, block, steps);
                int agree = 0;
                for (int i = 0; i < BLOCK; i++) {
                    agree += step.argmax()[i] == cpuStep.argmax()[i] ? 1 : 0;
                }
                System.out.printf(Locale.ROOT, "argmax agreement tornado vs cpu: %d/%d rows%n", agree, BLOCK);
            }
        }
    }

    private static ForwardResult measure(String name, Engine e, int[] prompt, int[] block, int steps) {
        AttentionMask mask = new AttentionMask.BlockCausal(BLOCK);
        e.resetCache();
        long t0 = System.nanoTime();
        e.forward(new ForwardRequest(prompt, 0, mask, true, HeadRequest.none(), TraceSink.NONE));
        double prefill = (System.nanoTime() - t0) / 1e6;
        ForwardRequest step = new ForwardRequest(block, BLOCK, mask, false,
                new HeadRequest.Greedy(IntStream.range(0, BLOCK).toArray()), TraceSink.NONE);
        double[] ms = new double[steps];
        ForwardResult r = null;
        EngineStats.Snapshot moved = null;
        for (int s = 0; s < steps; s++) {
            EngineStats.Snapshot before = e.stats().snapshot();
            long s0 = System.nanoTime();
            r = e.forward(step);
            ms[s] = (System.nanoTime() - s0) / 1e6;
            moved = e.stats().snapshot().minus(before);
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "%s: prefill (32 tokens) %.0f ms; decoding step (32-token block, cached"
                        + " prefix 32, greedy head on 32 rows): median %.0f ms, min %.0f, max %.0f over %d steps %s;"
                        + " per step host->device %,d B, device->host %,d B%n", name, prefill, sorted[steps / 2],
                sorted[0], sorted[steps - 1], steps, Arrays.toString(Arrays.stream(ms).mapToLong(Math::round).toArray()),
                moved.hostToDeviceBytes(), moved.deviceToHostBytes());
        return r;
    }
}
