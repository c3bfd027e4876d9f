package dev.llada2.tornado.graphs;

import dev.llada2.tornado.format.DeviceMatrix;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A {@link TaskGraph} under construction that also records what its declarations will move between
 * host and device, so the engine can count transfer bytes without guessing, and registers each
 * task's grid under the task's {@link TaskName}.
 *
 * <p>Residency vocabulary (TornadoVM 5.2 semantics, checked on PoCL):
 * <ul>
 *   <li>{@link #uploadOnce}: {@code FIRST_EXECUTION}: weights, tables, caches and scratch. The graph
 *       owns the device buffer; it lives as long as the plan.</li>
 *   <li>{@link #uploadEach}: {@code EVERY_EXECUTION}: the small per-pass integer arrays.</li>
 *   <li>{@link #consume}: {@code consumeFromDevice}: use the device buffer of the graph executed just
 *       before this one (TornadoVM links buffers through the last executed graph, so the graphs of a
 *       plan run in a fixed order and each one passes on what later ones need).</li>
 *   <li>{@link #keepOnDevice}: {@code persistOnDevice}: hand the buffer on to the next graph; the
 *       host may also fetch it on demand (traces, hand-offs).</li>
 * </ul>
 */
public final class GraphBuilder {

    /**
     * TornadoVM's bytecode buffer per graph ({@code tornado.tvm.maxbytecodesize}, read once when the
     * first graph compiles; 4096 bytes by default). A whole MoE layer with split expert stacks exceeds
     * 4 KB; 256 KiB holds any layer. Raised here, before any graph of this project exists, unless the
     * user set it; TornadoVM reads its settings from the system properties.
     */
    static final String BYTECODE_SIZE_PROPERTY = "tornado.tvm.maxbytecodesize";

    static {
        if (System.getProperty(BYTECODE_SIZE_PROPERTY) == null) {
            System.setProperty(BYTECODE_SIZE_PROPERTY, Integer.toString(256 * 1024));
        }
    }

    private final String name;
    private final TaskGraph graph;
    private final GridScheduler grids;
    private long uploadOnceBytes;
    private long uploadEachBytes;
    private final List<String> tasks = new ArrayList<>();
    private final Set<TornadoNativeArray> declared = Collections.newSetFromMap(new IdentityHashMap<>());
    private long deviceBytes;
    private String scope = "";

    public GraphBuilder(String name, GridScheduler grids) {
        this.name = name;
        this.graph = new TaskGraph(name);
        this.grids = grids;
    }

    public String name() {
        return name;
    }

    /** The graph, for {@code task(...)} calls (one overload per kernel arity). */
    public TaskGraph graph() {
        return graph;
    }

    public GraphBuilder uploadOnce(TornadoNativeArray... arrays) {
        graph.transferToDevice(DataTransferMode.FIRST_EXECUTION, (Object[]) arrays);
        uploadOnceBytes += bytes(arrays);
        declare(arrays);
        return this;
    }

    /** {@link #uploadOnce} of every part of the weights (before any task that reads them). */
    public GraphBuilder uploadWeights(DeviceMatrix... matrices) {
        for (DeviceMatrix m : matrices) {
            for (DeviceMatrix.Part part : m.parts()) {
                uploadOnce(part.words());
            }
        }
        return this;
    }

    public GraphBuilder uploadEach(TornadoNativeArray... arrays) {
        graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, (Object[]) arrays);
        uploadEachBytes += bytes(arrays);
        declare(arrays);
        return this;
    }

    public GraphBuilder consume(TornadoNativeArray... arrays) {
        graph.consumeFromDevice((Object[]) arrays);
        declare(arrays);
        return this;
    }

    public GraphBuilder keepOnDevice(TornadoNativeArray... arrays) {
        graph.persistOnDevice((Object[]) arrays);
        return this;
    }

    /** Buffers the host may fetch after an execution (traces), never transferred otherwise. */
    public GraphBuilder downloadOnDemand(TornadoNativeArray... arrays) {
        graph.transferToHost(DataTransferMode.UNDER_DEMAND, (Object[]) arrays);
        return this;
    }

    /**
     * Prefixes the ids of the tasks named from now on (a layer's tasks in a graph of several layers:
     * {@link TaskName#layerScope}); "" for none.
     */
    public GraphBuilder scope(String prefix) {
        this.scope = prefix;
        return this;
    }

    /** Names the next task of {@code op} (part {@code part}) and registers its grid. */
    public TaskName task(TaskName.Op op, int part, WorkerGrid grid) {
        TaskName t = TaskName.of(name, scope, op, part);
        grids.addWorkerGrid(t.qualified(), grid);
        tasks.add(t.task());
        return t;
    }

    public TaskName task(TaskName.Op op, WorkerGrid grid) {
        return task(op, 0, grid);
    }

    public BuiltGraph build() {
        return new BuiltGraph(name, graph.snapshot(), uploadOnceBytes, uploadEachBytes, deviceBytes,
                List.copyOf(tasks));
    }

    /** Adds the data bytes of buffers this graph has not declared yet to its device footprint. */
    private void declare(TornadoNativeArray... arrays) {
        for (TornadoNativeArray a : arrays) {
            if (declared.add(a)) {
                deviceBytes += a.getNumBytesOfSegment();
            }
        }
    }

    /** Bytes TornadoVM copies for whole arrays: the data and the 16-byte array header. */
    public static long bytes(TornadoNativeArray... arrays) {
        long b = 0;
        for (TornadoNativeArray a : arrays) {
            b += a.getNumBytesOfSegmentWithHeader();
        }
        return b;
    }
}
