package dev.llada2.tornado.bench;

import dev.llada2.backend.DeviceId;
import dev.llada2.tornado.TornadoDevices;
import dev.llada2.tornado.graphs.GraphBuilder;
import dev.llada2.tornado.graphs.Grids;
import dev.llada2.tornado.graphs.TaskName.Op;
import dev.llada2.tornado.kernels.AttentionKernels;
import dev.llada2.tornado.kernels.ForwardParams;
import dev.llada2.tornado.plan.CompilerFlags;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

/**
 * Attention time against cache length on a TornadoVM device: one layer's {@link AttentionKernels#attention}
 * (+ {@link AttentionKernels#mergeSplits}) at LLaDA2 mini's shapes (16 query and 4 KV heads × 128), a
 * 32-token block-causal pass whose last block sees 128 .. 4096 keys, in two graphs built for a
 * 4096-position cache: split over keys as the engine builds it ({@link Grids#ATTENTION_SPLIT_KEYS}) and
 * unsplit (one split of 4096 keys, no merge: the kernel before the split). The two are timed
 * alternately, per key count; the per-key slope is the least-squares line through the medians. A
 * test-scope tool for {@code perf/RESULTS.md}, not a test.
 *
 * <pre>
 *   LD_PRELOAD=$JAVA_HOME/lib/libjsig.so java @$TORNADOVM_HOME/tornado-argfile --module-path $TORNADOVM_HOME/share/java/tornado \
 *        -cp CLASSPATH dev.llada2.tornado.bench.AttentionCostBench [REPEATS] [tornado:B:D]
 * </pre>
 */
public final class AttentionCostBench {

    private static final int HEADS = 16;
    private static final int KV_HEADS = 4;
    private static final int HEAD_DIM = 128;
    private static final int TOKENS = 32;
    private static final int MAX_SEQUENCE = 4096;
    private static final int[] KEYS = {128, 256, 512, 1024, 1536, 2048, 3072, 4096};

    private AttentionCostBench() {
    }

    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        TornadoDevice device = TornadoDevices.resolve(DeviceId.parse(args.length > 1 ? args[1] : "tornado:0:0"));
        SplittableRandom random = new SplittableRandom(1);
        float[] q = randoms(random, TOKENS * HEADS * HEAD_DIM);
        float[] keys = randoms(random, MAX_SEQUENCE * KV_HEADS * HEAD_DIM);
        float[] values = randoms(random, MAX_SEQUENCE * KV_HEADS * HEAD_DIM);
        Variant split = new Variant("split", Grids.ATTENTION_SPLIT_KEYS, Grids.attentionSplits(MAX_SEQUENCE), device,
                q, keys, values);
        Variant whole = new Variant("unsplit", MAX_SEQUENCE, 1, device, q, keys, values);
        System.out.printf(Locale.ROOT, "device %s; %d query / %d KV heads x %d, %d-token block-causal pass,"
                + " cache of %d positions; median of %d executions (alternating variants) after one warm-up%n",
                device.getDeviceName(), HEADS, KV_HEADS, HEAD_DIM, TOKENS, MAX_SEQUENCE, repeats);
        double[][] medians = new double[2][KEYS.length];
        for (int k = 0; k < KEYS.length; k++) {
            split.start(KEYS[k] - TOKENS);
            whole.start(KEYS[k] - TOKENS);
            double[][] ms = new double[2][repeats];
            split.run();
            whole.run();
            for (int r = 0; r < repeats; r++) {
                ms[0][r] = split.run();
                ms[1][r] = whole.run();
            }
            medians[0][k] = median(ms[0]);
            medians[1][k] = median(ms[1]);
            System.out.printf(Locale.ROOT, "keys %5d: split (%2d splits of %d keys) median %8.2f ms %s;"
                            + " unsplit median %8.2f ms %s; unsplit/split %.2f%n", KEYS[k],
                    Math.ceilDiv(KEYS[k], Grids.ATTENTION_SPLIT_KEYS), Grids.ATTENTION_SPLIT_KEYS, medians[0][k],
                    Arrays.toString(rounded(ms[0])), medians[1][k], Arrays.toString(rounded(ms[1])),
                    medians[1][k] / medians[0][k]);
        }
        for (int v = 0; v < 2; v++) {
            double[] fit = line(medians[v]);
            StringBuilder steps = new StringBuilder();
            for (int k = 1; k < KEYS.length; k++) {
                steps.append(String.format(Locale.ROOT, " %d-%d: %.1f", KEYS[k - 1], KEYS[k],
                        (medians[v][k] - medians[v][k - 1]) / (KEYS[k] - KEYS[k - 1]) * 1e3));
            }
            System.out.printf(Locale.ROOT, "%s: %.4f ms + %.2f us per key (least squares over the medians);"
                    + " per key and query token %.1f ns; us per key between neighbouring counts:%s%n",
                    v == 0 ? "split" : "unsplit", fit[0], fit[1] * 1e3, fit[1] * 1e6 / TOKENS, steps);
        }
        split.close();
        whole.close();
    }

    /** One graph of the attention tasks as {@code AttentionTasks} builds them, for {@code splits} splits. */
    private static final class Variant implements AutoCloseable {
        private final TornadoExecutionPlan plan;
        private final IntArray params = new IntArray(ForwardParams.paramsLength(TOKENS));

        /** Its own copies of the inputs: each plan owns its device buffers. */
        Variant(String name, int splitKeys, int splits, TornadoDevice device, float[] queries, float[] cachedKeys,
                float[] cachedValues) {
            FloatArray q = FloatArray.fromArray(queries);
            FloatArray keys = FloatArray.fromArray(cachedKeys);
            FloatArray values = FloatArray.fromArray(cachedValues);
            params.set(ForwardParams.TOKENS, TOKENS);
            params.set(ForwardParams.BLOCK, TOKENS);
            GridScheduler grids = new GridScheduler();
            GraphBuilder b = new GraphBuilder("attention_" + name, grids);
            FloatArray out = new FloatArray(TOKENS * HEADS * HEAD_DIM);
            FloatArray partials = new FloatArray(splits > 1
                    ? TOKENS * HEADS * splits * AttentionKernels.partialWidth(HEAD_DIM) : 1);
            b.uploadEach(params).uploadOnce(q, keys, values, out, partials);
            var t = b.task(Op.ATTENTION, Grids.attentionGroups(TOKENS, HEADS, KV_HEADS, HEAD_DIM, splits));
            b.add(createPackage(t.task(), AttentionKernels::attention, b.context(), q, keys, values, params, out,
                    partials, HEADS, KV_HEADS, HEAD_DIM, (float) Math.pow(HEAD_DIM, -0.5), splitKeys, splits), out,
                    partials);
            if (splits > 1) {
                t = b.task(Op.ATTENTION_MERGE, Grids.attentionMergeGroups(TOKENS, HEADS, HEAD_DIM));
                b.add(createPackage(t.task(), AttentionKernels::mergeSplits, b.context(), partials, params, out,
                        HEADS, HEAD_DIM, splitKeys, splits), out);
            }
            plan = new TornadoExecutionPlan(b.build().graph());
            CompilerFlags.apply(plan);
            plan.withDevice(device).withGridScheduler(grids);
        }

        /** The pass's first position (uploaded with the next execution). */
        void start(int position) {
            params.set(ForwardParams.START, position);
        }

        /** One execution, in milliseconds. */
        double run() {
            long t0 = System.nanoTime();
            plan.execute();
            return (System.nanoTime() - t0) / 1e6;
        }

        @Override
        public void close() {
            try {
                plan.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static float[] randoms(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }

    private static double median(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static long[] rounded(double[] ms) {
        return Arrays.stream(ms).mapToLong(Math::round).toArray();
    }

    /** Intercept and slope (ms per key) of the least-squares line through {@code (KEYS[i], ms[i])}. */
    private static double[] line(double[] ms) {
        double n = KEYS.length;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < KEYS.length; i++) {
            sx += KEYS[i];
            sy += ms[i];
            sxx += (double) KEYS[i] * KEYS[i];
            sxy += KEYS[i] * ms[i];
        }
        double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        return new double[] {(sy - slope * sx) / n, slope};
    }
}
