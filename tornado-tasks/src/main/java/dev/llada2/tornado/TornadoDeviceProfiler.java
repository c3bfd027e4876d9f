package dev.llada2.tornado;

import dev.llada2.backend.DeviceId;
import dev.llada2.backend.DeviceInfo;
import dev.llada2.backend.DeviceMeasurement;
import dev.llada2.checkpoint.DType;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;
import dev.llada2.runtime.EngineStats;
import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.format.WeightDecode;
import dev.llada2.tornado.graphs.BuiltGraph;
import dev.llada2.tornado.graphs.GraphBuilder;
import dev.llada2.tornado.graphs.Grids;
import dev.llada2.tornado.graphs.MatMulTasks;
import dev.llada2.tornado.graphs.TaskName;
import dev.llada2.tornado.kernels.StreamKernels;
import dev.llada2.tornado.plan.DevicePlan;
import dev.llada2.weights.RandomCheckpoint;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TornadoProfilerResult;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

import static dev.llada2.backend.DeviceMeasurement.BLOCK_TOKENS;
import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

/**
 * Measures a TornadoVM device for the figures a hardware profile can carry ({@code bandwidth_gbps},
 * {@code matmul_gflops}, {@code transfer_gbps}, {@code memory_gb}); {@link TornadoBackendProvider#measure}
 * runs it with {@link Settings#defaults()}. Every time is the device's own, from TornadoVM's profiler
 * ({@code withProfiler(ProfilerMode.SILENT)}; the {@link TornadoProfilerResult} of each execution): the
 * graphs run once to warm up (JIT compilation, first-execution uploads), then {@link Settings#repeats()}
 * times, and the best (shortest) time of each figure counts. GB/s are 10^9 bytes per second.
 *
 * <ul>
 *   <li>Bandwidth (device memory, streaming read): {@link StreamKernels#sum} reads an int array of
 *       {@link Settings#bandwidthBytes()}, at most half of the largest buffer the device and TornadoVM allow
 *       ({@link DeviceInfo#maxAllocation()}, {@code -Dtornado.device.memory}); bytes / the kernel's time,
 *       {@link TornadoProfilerResult#getDeviceKernelTime()} (TornadoVM's {@code TOTAL_KERNEL_TIME}, from the
 *       kernel's device events). The array is all ones and the sums are checked: every element was read.</li>
 *   <li>Host-to-device transfer: the same array is declared {@code EVERY_EXECUTION}, so each execution
 *       uploads it from TornadoVM's off-heap array, as the engine's uploads are made;
 *       {@link TornadoProfilerResult#getTotalBytesCopyIn()} / {@link TornadoProfilerResult#getDeviceWriteTime()}
 *       (TornadoVM's {@code COPY_IN_TIME}, from the copies' device events; it also counts the array's 16-byte
 *       header and the 24-byte kernel frame).</li>
 *   <li>Matrix throughput: {@code MatMulKernels.matmul} (the engine's kernel, through {@link MatMulTasks}) on
 *       random BF16 weights of the model's block shapes ({@link DeviceMeasurement#blockShapes}: an expert
 *       {@code [moe_intermediate x hidden]} and {@code [hidden x hidden]}, as on the CPU) times one block of
 *       {@value DeviceMeasurement#BLOCK_TOKENS} tokens; 2 x rows x cols x tokens / the kernel's time
 *       ({@code getDeviceKernelTime()}).</li>
 *   <li>Memory: the device's global memory ({@link DeviceInfo#globalMemory()}) in GB, as the device reports
 *       it; TornadoVM's {@code -Dtornado.device.memory} cap is applied when an engine is created.</li>
 * </ul>
 *
 * All buffers are released when the measurement ends.
 */
public final class TornadoDeviceProfiler {

    /**
     * @param bandwidthBytes size of the streamed (and uploaded) array, before the device's limit; should exceed
     *                       the device's caches by far
     * @param repeats        timed executions per figure (the best counts)
     */
    public record Settings(long bandwidthBytes, int repeats) {
        public Settings {
            if (bandwidthBytes < 64 << 10 || bandwidthBytes >= 1L << 31 || repeats < 1) {
                throw new IllegalArgumentException("bandwidth array must be 64 KiB..2 GiB and repeats >= 1, got "
                        + bandwidthBytes + " bytes, " + repeats + " repeats");
            }
        }

        /** 512 MiB, best of 5. */
        public static Settings defaults() {
            return new Settings(512L << 20, 5);
        }
    }

    /** Best (shortest) profiler figures of one graph's timed executions. */
    private record Best(long kernelNanos, long copyInNanos, long copyInBytes) {
    }

    private TornadoDeviceProfiler() {
    }

    /**
     * Measures TornadoVM device {@code id} for the block shapes of {@code shapes} (see the class comment).
     *
     * @throws LladaException input error for a device TornadoVM does not have; runtime error when TornadoVM
     *                        fails on the device or the streaming read did not read every element
     */
    public static DeviceMeasurement measure(DeviceId id, LLaDA2Config shapes, Settings settings) {
        DeviceInfo info = TornadoDevices.info(id);
        long limit = Math.min(info.maxAllocation(), TornadoDevices.usableMemory(info)) / 2;
        int n = (int) (Math.min(settings.bandwidthBytes(), limit) / Integer.BYTES);
        IntArray data = new IntArray(n);
        data.init(1);
        IntArray sums = new IntArray(Grids.streamGroups(n));
        GridScheduler grids = new GridScheduler();
        List<BuiltGraph> graphs = new ArrayList<>();
        GraphBuilder stream = new GraphBuilder("measure_stream", grids).uploadEach(data);
        TaskName t = stream.task(TaskName.Op.STREAM_READ, Grids.groups(sums.getSize(), Grids.STREAM_THREADS));
        stream.add(createPackage(t.task(), StreamKernels::sum, new KernelContext(), data, sums, n), sums);
        stream.downloadEach(sums);
        graphs.add(stream.build());
        List<DeviceMeasurement.MatMulShape> blocks = DeviceMeasurement.blockShapes(shapes);
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < blocks.size(); i++) {
            graphs.add(matmulGraph("measure_matmul" + i, blocks.get(i), random, grids));
        }
        String label = id + " (" + info.name() + ")";
        // the plan's own byte counts (EngineStats) are not needed: the profiler's are used
        try (DevicePlan plan = new DevicePlan(graphs, grids, TornadoDevices.resolve(id), label, new EngineStats(),
                true)) {
            Best read = best(plan, 0, settings.repeats(), label);
            long total = 0;
            for (int g = 0; g < sums.getSize(); g++) {
                total += sums.get(g);
            }
            if (total != n) {
                throw LladaException.runtime("the streaming-read kernel summed " + total + " of " + n
                        + " elements on " + label + ": the bandwidth figure would be wrong");
            }
            List<DeviceMeasurement.MatMulRate> rates = new ArrayList<>();
            for (int i = 0; i < blocks.size(); i++) {
                rates.add(blocks.get(i).rate("BF16", best(plan, i + 1, settings.repeats(), label).kernelNanos()));
            }
            return new DeviceMeasurement(id, 0, (double) n * Integer.BYTES / read.kernelNanos(), rates,
                    OptionalDouble.of((double) read.copyInBytes() / positive(read.copyInNanos(), "copy-in", 0, label)),
                    OptionalDouble.of(info.globalMemory() / 1e9));
        }
    }

    /** {@code y = W x} for one block through random BF16 weights of {@code shape}. */
    private static BuiltGraph matmulGraph(String name, DeviceMeasurement.MatMulShape shape, SplittableRandom random,
                                          GridScheduler grids) {
        ShortArray words = new ShortArray(shape.rows() * shape.cols());
        for (int i = 0; i < words.getSize(); i++) {
            words.set(i, RandomCheckpoint.toBf16((float) (random.nextDouble() * 2 - 1)));
        }
        DeviceMatrix w = new DeviceMatrix(name, shape.rows(), shape.cols(), WeightDecode.formatOf(DType.BF16, name),
                1, List.of(new DeviceMatrix.Part(words, 0, shape.rows())));
        FloatArray x = new FloatArray(BLOCK_TOKENS * shape.cols());
        for (int i = 0; i < x.getSize(); i++) {
            x.set(i, (float) random.nextDouble());
        }
        IntArray counts = IntArray.fromElements(BLOCK_TOKENS);
        FloatArray scale = WeightDecode.scaleTable();
        FloatArray y = new FloatArray(BLOCK_TOKENS * shape.rows());
        GraphBuilder b = new GraphBuilder(name, grids).uploadOnce(counts, x, scale, y).uploadWeights(w);
        MatMulTasks.add(b, TaskName.Op.BLOCK_MATMUL, w, x, counts, scale, y);
        return b.downloadOnDemand(y).build();
    }

    private static long positive(long nanos, String what, int graph, String label) {
        if (nanos <= 0) {
            throw LladaException.runtime("TornadoVM's profiler reported no " + what + " time for graph " + graph
                    + " on " + label);
        }
        return nanos;
    }

    /** Runs graph {@code graph} once to warm up, then {@code repeats} times; the shortest profiler times. */
    private static Best best(DevicePlan plan, int graph, int repeats, String label) {
        plan.execute(graph);
        long kernel = Long.MAX_VALUE;
        long copyIn = Long.MAX_VALUE;
        long copyInBytes = 0;
        for (int r = 0; r < repeats; r++) {
            TornadoProfilerResult p = plan.execute(graph).getProfilerResult();
            kernel = Math.min(kernel, p.getDeviceKernelTime());
            if (p.getDeviceWriteTime() < copyIn) {
                copyIn = p.getDeviceWriteTime();
                copyInBytes = p.getTotalBytesCopyIn();
            }
        }
        return new Best(positive(kernel, "kernel", graph, label), copyIn, copyInBytes);
    }
}
