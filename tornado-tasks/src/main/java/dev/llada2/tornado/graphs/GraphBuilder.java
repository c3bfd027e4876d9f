package dev.llada2.tornado.graphs;

import dev.llada2.tornado.format.DeviceMatrix;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.common.TaskPackage;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A {@link TaskGraph} under construction that also records what its declarations will move between
 * host and device, so the engine can count transfer bytes without guessing, and registers each
 * task's grid under the task's {@link TaskName}. The declarations and tasks are recorded and given to
 * TornadoVM in {@link #build()}, so a {@link #fragment} (a layer's tasks) can be built first and
 * {@link #append}ed to the graph it fits in ({@link #taskCodeBytes()}).
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
     * 4 KB; 256 KiB holds any graph. Raised here, before any graph of this project exists, unless the
     * user set it; TornadoVM reads its settings from the system properties.
     */
    static final String BYTECODE_SIZE_PROPERTY = "tornado.tvm.maxbytecodesize";

    /**
     * TornadoVM 5.2 first encodes the tasks of a graph into a fixed 8192-byte buffer of its own
     * ({@code TornadoTaskGraph.highLevelCode}; no setting changes it): per task 15 bytes plus 5 per
     * kernel parameter, {@link KernelContext} included ({@link #taskCodeBytes(int)}). A graph whose
     * tasks need more fails while tasks are added ({@code BufferOverflowException}), so the layers of
     * a device are packed into as few graphs as fit ({@link StageGraphs}).
     */
    public static final int TASK_CODE_CAPACITY = 8192;

    /**
     * TornadoVM 5.2 then builds a graph of at most 1024 nodes from those tasks ({@code TornadoGraph}; it
     * fails with "Tornado Graph resize not implemented yet" at the first execution beyond): a node per
     * task, per distinct constant and per distinct object (a buffer, a {@link KernelContext}), a first-use
     * and a release node per object, a dependent-read node per argument a kernel writes, a copy-out per
     * downloaded object. {@link #graphNodes()} counts an upper bound of those (every object argument
     * counted as written, except weights and the buffers declared {@link #readOnly}), so a graph within
     * it builds. The tasks of a builder share one {@link #context()}: one object, not one per task.
     */
    public static final int GRAPH_NODE_CAPACITY = 1024;

    static {
        if (System.getProperty(BYTECODE_SIZE_PROPERTY) == null) {
            System.setProperty(BYTECODE_SIZE_PROPERTY, Integer.toString(256 * 1024));
        }
    }

    private final String name;
    private final GridScheduler grids;
    private final List<Consumer<TaskGraph>> steps = new ArrayList<>();
    private long uploadOnceBytes;
    private long uploadEachBytes;
    private final List<String> tasks = new ArrayList<>();
    private final List<WorkerGrid> taskGrids = new ArrayList<>();
    private final Set<TornadoNativeArray> declared = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<TornadoNativeArray> declaredInOrder = new ArrayList<>();
    private long deviceBytes;
    private int taskCodeBytes;
    private final Set<Object> objects = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Object> constants = new HashSet<>();
    private final Set<Object> readOnly = Collections.newSetFromMap(new IdentityHashMap<>());
    private final KernelContext context = new KernelContext();
    private int graphNodes;
    private String scope = "";

    public GraphBuilder(String name, GridScheduler grids) {
        this.name = name;
        this.grids = grids;
        // the device context and the buffer-allocation node of a graph
        this.graphNodes = name == null ? 0 : 2;
    }

    /**
     * Declarations and tasks that belong to no graph yet: {@link #append}ed to one later, which
     * registers the grids under its own name (so no {@link #build()} of its own).
     */
    public static GraphBuilder fragment(GridScheduler grids) {
        return new GraphBuilder(null, grids);
    }

    public String name() {
        return name;
    }

    /** The {@link KernelContext} argument of this builder's tasks. */
    public KernelContext context() {
        return context;
    }

    /**
     * Marks buffers that no kernel writes (params, tables, norm weights), for the node bound
     * ({@link #graphNodes()}): a kernel reading them adds no dependent-read node. Weights (the
     * {@code ShortArray} words) are never written and need no mark.
     */
    public GraphBuilder readOnly(TornadoNativeArray... arrays) {
        readOnly.addAll(Arrays.asList(arrays));
        return this;
    }

    public GraphBuilder uploadOnce(TornadoNativeArray... arrays) {
        steps.add(g -> g.transferToDevice(DataTransferMode.FIRST_EXECUTION, (Object[]) arrays));
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
        steps.add(g -> g.transferToDevice(DataTransferMode.EVERY_EXECUTION, (Object[]) arrays));
        uploadEachBytes += bytes(arrays);
        declare(arrays);
        return this;
    }

    public GraphBuilder consume(TornadoNativeArray... arrays) {
        steps.add(g -> g.consumeFromDevice((Object[]) arrays));
        declare(arrays);
        return this;
    }

    public GraphBuilder keepOnDevice(TornadoNativeArray... arrays) {
        steps.add(g -> g.persistOnDevice((Object[]) arrays));
        return this;
    }

    /** Buffers the host may fetch after an execution (traces), never transferred otherwise. */
    public GraphBuilder downloadOnDemand(TornadoNativeArray... arrays) {
        steps.add(g -> g.transferToHost(DataTransferMode.UNDER_DEMAND, (Object[]) arrays));
        downloaded(arrays);
        return this;
    }

    /** Buffers copied back after every execution (the self-test's and the profiler's one-graph checks). */
    public GraphBuilder downloadEach(TornadoNativeArray... arrays) {
        steps.add(g -> g.transferToHost(DataTransferMode.EVERY_EXECUTION, (Object[]) arrays));
        downloaded(arrays);
        return this;
    }

    /** A copy-out node per downloaded buffer (counted for every declaration: an upper bound). */
    private void downloaded(TornadoNativeArray... arrays) {
        for (TornadoNativeArray a : arrays) {
            object(a);
            graphNodes++;
        }
    }

    /** Object, first-use and release nodes of an object the graph has not seen yet. */
    private void object(Object o) {
        if (objects.add(o)) {
            graphNodes += 3;
        }
    }

    /**
     * Prefixes the ids of the tasks named from now on (a layer's tasks in a graph of several layers:
     * {@link TaskName#layerScope}); "" for none.
     */
    public GraphBuilder scope(String prefix) {
        this.scope = prefix;
        return this;
    }

    /**
     * Names the next task of {@code op} (part {@code part}) and records its grid, registered under the
     * graph's name when the graph is built.
     */
    public TaskName task(TaskName.Op op, int part, WorkerGrid grid) {
        TaskName t = TaskName.of(name == null ? "" : name, scope, op, part);
        tasks.add(t.task());
        taskGrids.add(grid);
        return t;
    }

    public TaskName task(TaskName.Op op, WorkerGrid grid) {
        return task(op, 0, grid);
    }

    /** Adds the task named last ({@code TaskPackage.createPackage(t.task(), Kernels::method, arguments...)}). */
    public GraphBuilder add(TaskPackage task) {
        steps.add(g -> g.addTask(task));
        Object[] parameters = task.getTaskParameters();
        taskCodeBytes += taskCodeBytes(parameters.length - 1);
        graphNodes++;
        for (int i = 1; i < parameters.length; i++) {
            Object p = parameters[i];
            if (p instanceof Number || p instanceof Boolean || p instanceof Character) {
                graphNodes += constants.add(p) ? 1 : 0;
            } else {
                object(p);
                graphNodes += p instanceof ShortArray || readOnly.contains(p) ? 0 : 1;
            }
        }
        return this;
    }

    /** Bytes of TornadoVM's task buffer ({@link #TASK_CODE_CAPACITY}) one task of {@code parameters} takes. */
    public static int taskCodeBytes(int parameters) {
        return 15 + 5 * parameters;
    }

    /** Bytes of TornadoVM's task buffer the tasks so far take (at most {@link #TASK_CODE_CAPACITY}). */
    public int taskCodeBytes() {
        return taskCodeBytes;
    }

    /** An upper bound of the nodes of TornadoVM's graph of these tasks (at most {@link #GRAPH_NODE_CAPACITY}). */
    public int graphNodes() {
        return graphNodes;
    }

    /** Appends the declarations and tasks of {@code fragment}, in its order. */
    public GraphBuilder append(GraphBuilder fragment) {
        steps.addAll(fragment.steps);
        uploadOnceBytes += fragment.uploadOnceBytes;
        uploadEachBytes += fragment.uploadEachBytes;
        declare(fragment.declaredInOrder.toArray(TornadoNativeArray[]::new));
        tasks.addAll(fragment.tasks);
        taskGrids.addAll(fragment.taskGrids);
        taskCodeBytes += fragment.taskCodeBytes;
        graphNodes += fragment.graphNodes;
        for (Object o : fragment.objects) {
            graphNodes -= objects.add(o) ? 0 : 3;
        }
        readOnly.addAll(fragment.readOnly);
        for (Object c : fragment.constants) {
            graphNodes -= constants.add(c) ? 0 : 1;
        }
        return this;
    }

    /** Creates the TornadoVM graph from what was recorded and registers the task grids under its name. */
    public BuiltGraph build() {
        if (name == null) {
            throw new IllegalStateException("a fragment is appended to a graph, not built");
        }
        if (taskCodeBytes > TASK_CODE_CAPACITY) {
            throw new IllegalStateException("graph " + name + ": its tasks need " + taskCodeBytes + " bytes of"
                    + " TornadoVM's " + TASK_CODE_CAPACITY + "-byte task buffer");
        }
        if (graphNodes > GRAPH_NODE_CAPACITY) {
            throw new IllegalStateException("graph " + name + ": up to " + graphNodes + " nodes of TornadoVM's "
                    + GRAPH_NODE_CAPACITY + "-node task graph");
        }
        if (new HashSet<>(tasks).size() != tasks.size()) {
            throw new IllegalStateException("graph " + name + " has duplicate task ids: " + tasks);
        }
        TaskGraph graph = new TaskGraph(name);
        steps.forEach(s -> s.accept(graph));
        for (int i = 0; i < tasks.size(); i++) {
            grids.addWorkerGrid(name + "." + tasks.get(i), taskGrids.get(i));
        }
        return new BuiltGraph(name, graph.snapshot(), uploadOnceBytes, uploadEachBytes, deviceBytes,
                List.copyOf(tasks));
    }

    /** Adds the data bytes of buffers this graph has not declared yet to its device footprint. */
    private void declare(TornadoNativeArray... arrays) {
        for (TornadoNativeArray a : arrays) {
            object(a);
            if (declared.add(a)) {
                declaredInOrder.add(a);
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
