package dev.llada2.tornado.plan;

import dev.llada2.errors.LladaException;
import dev.llada2.runtime.EngineStats;
import dev.llada2.tornado.graphs.BuiltGraph;
import uk.ac.manchester.tornado.api.DataRange;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * One {@link TornadoExecutionPlan} holding the graphs placed on one device, in the order they run.
 * It executes one graph at a time (TornadoVM links consumed buffers to the graph executed just
 * before, so callers run them in order), wraps TornadoVM failures with the graph and device, fetches
 * partial results, and counts every byte it moves in the engine's {@link EngineStats}: a graph's
 * {@code FIRST_EXECUTION} uploads on its first run, its {@code EVERY_EXECUTION} uploads on every run,
 * and exactly the elements of each partial fetch. A first execution is counted as declared, an upper
 * bound: TornadoVM allocates instead of copying a buffer whose first use in the graph only writes it
 * (measured on the {@code small} model: 0.26 MB of 15.6 MB).
 */
public final class DevicePlan implements AutoCloseable {

    private final TornadoExecutionPlan plan;
    private final List<BuiltGraph> graphs;
    private final boolean[] executed;
    private final EngineStats stats;
    private final String device;
    private final boolean profile;
    private long profiledHostToDevice;
    private long profiledDeviceToHost;
    private long profiledCompileNanos;

    /**
     * Builds the plan. TornadoVM JIT-compiles each graph on its first execution (the engine's warm-up
     * pass). {@code withPreCompilation()} is deliberately not used: TornadoVM 5.2 then fails every
     * later launch of the plan once any other plan on the same device has been closed (a device-wide
     * "reset() was called after warmup()" flag), which a self-test or a second engine would trigger.
     *
     * @param device    where all graphs run
     * @param label     the device as users name it, for messages
     * @param profile   enable TornadoVM's profiler and keep its byte counts ({@link #profiledHostToDevice})
     */
    public DevicePlan(List<BuiltGraph> graphs, GridScheduler grids, TornadoDevice device, String label,
                      EngineStats stats, boolean profile) {
        this.graphs = List.copyOf(graphs);
        this.executed = new boolean[graphs.size()];
        this.stats = stats;
        this.device = label;
        this.profile = profile;
        try {
            this.plan = new TornadoExecutionPlan(graphs.stream().map(BuiltGraph::graph).toArray(ImmutableTaskGraph[]::new));
            plan.withDevice(device).withGridScheduler(grids);
            CompilerFlags.apply(plan);
            if (profile) {
                plan.withProfiler(ProfilerMode.SILENT);
            }
        } catch (RuntimeException | Error e) {
            throw failure("setting up the task graphs", e);
        }
    }

    /** Runs graph {@code index} once. */
    public TornadoExecutionResult execute(int index) {
        BuiltGraph g = graphs.get(index);
        TornadoExecutionResult r;
        try {
            r = plan.withGraph(index).execute();
        } catch (RuntimeException | Error e) {
            throw failure("running graph '" + g.name() + "'", e);
        }
        stats.addHostToDevice(g.uploadBytes(!executed[index]));
        stats.addGraphExecution(g.tasks().size(), g.deviceBytes());
        executed[index] = true;
        if (profile) {
            profiledHostToDevice += r.getProfilerResult().getTotalBytesCopyIn();
            profiledDeviceToHost += r.getProfilerResult().getTotalBytesCopyOut();
            profiledCompileNanos += r.getProfilerResult().getCompileTime();
        }
        return r;
    }

    /** The first {@code n} elements of {@code array} from the device (a graph of {@code result} holds it). */
    public float[] fetch(TornadoExecutionResult result, FloatArray array, int n) {
        transfer(result, array, n);
        float[] out = new float[n];
        MemorySegment.copy(array.getSegment(), ValueLayout.JAVA_FLOAT, 0, out, 0, n);
        return out;
    }

    public int[] fetch(TornadoExecutionResult result, IntArray array, int n) {
        transfer(result, array, n);
        int[] out = new int[n];
        MemorySegment.copy(array.getSegment(), ValueLayout.JAVA_INT, 0, out, 0, n);
        return out;
    }

    /**
     * Elements {@code [offset, offset + n)} of {@code array} from the device into
     * {@code dest[destOffset ..]} (one partial transfer of exactly those elements).
     */
    public void fetch(TornadoExecutionResult result, FloatArray array, int offset, int n, float[] dest,
                      int destOffset) {
        transfer(result, array, offset, n);
        MemorySegment.copy(array.getSegment(), ValueLayout.JAVA_FLOAT, (long) offset * Float.BYTES, dest, destOffset,
                n);
    }

    private void transfer(TornadoExecutionResult result, TornadoNativeArray array, int n) {
        transfer(result, array, 0, n);
    }

    private void transfer(TornadoExecutionResult result, TornadoNativeArray array, int offset, int n) {
        if (n == 0) {
            return;
        }
        try {
            DataRange range = new DataRange(array).withSize(n);
            result.transferToHost(offset == 0 ? range : range.withOffset(offset));
        } catch (RuntimeException | Error e) {
            throw failure("fetching " + n + " elements", e);
        }
        stats.addDeviceToHost((long) array.getElementSize() * n);
    }

    /**
     * Host-to-device bytes of all graph executions as TornadoVM's profiler counted them (0 unless the
     * plan was created with {@code profile}); partial fetches are not included.
     */
    public long profiledHostToDevice() {
        return profiledHostToDevice;
    }

    /** JIT compilation time TornadoVM's profiler reported (Java bytecode to device binary), all graphs. */
    public long profiledCompileNanos() {
        return profiledCompileNanos;
    }

    /** Device-to-host bytes TornadoVM copied as part of graph executions (the engine declares none). */
    public long profiledDeviceToHost() {
        return profiledDeviceToHost;
    }

    public int graphCount() {
        return graphs.size();
    }

    /** The graphs, in execution order. */
    public List<BuiltGraph> graphs() {
        return graphs;
    }

    /** Every task as {@code graph.task}, in execution order. */
    public List<String> taskNames() {
        return graphs.stream().flatMap(g -> g.tasks().stream().map(t -> g.name() + "." + t)).toList();
    }

    private LladaException failure(String what, Throwable e) {
        if (e instanceof VirtualMachineError vme) {
            throw vme;
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return LladaException.runtime("TornadoVM failed " + what + " on " + device + ": " + e
                + (root != e ? " (cause: " + root + ")" : ""), e);
    }

    @Override
    public void close() {
        try {
            plan.freeDeviceMemory();
            plan.close();
        } catch (Exception e) {
            throw LladaException.runtime("TornadoVM failed releasing the memory of " + device + ": " + e, e);
        }
    }
}
