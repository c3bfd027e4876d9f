package dev.llada2.tornado.graphs;

import dev.llada2.tornado.format.DeviceMatrix;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.common.TaskPackage;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
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
     * TornadoVM 5.2 then builds a graph of at most 1024 nodes from those tasks ({@code TornadoGraph}, an
     * array of 1024 that never grows: the first execution beyond fails with "Tornado Graph resize not
     * implemented yet"). {@link #graphNodes()} counts them exactly as {@code TornadoGraphBuilder.buildGraph}
     * creates them on one device (checked against TornadoVM's own graph by {@code GraphNodeCountTest}):
     * <ul>
     *   <li>a {@code ConstantNode} per distinct scalar argument ({@code TornadoExecutionContext.insertVariable}:
     *       {@code equals}) and an {@code ObjectNode} per distinct object (declared by a transfer, a
     *       consume, or passed to a task: buffers and the {@link KernelContext});</li>
     *   <li>a {@code ContextNode} (one device); per task a {@code TaskNode} and an
     *       {@code AllocateMultipleBuffersNode} (its {@code addUnique} never matches: the node compares by
     *       identity);</li>
     *   <li>per object a task uses, one node at its first use ({@code CopyInNode}, {@code AllocateNode},
     *       {@code OnDeviceObjectNode} or {@code StreamInNode}) and one that ends it ({@code DeallocateNode}
     *       or {@code PersistedObjectNode}); an {@code EVERY_EXECUTION} upload no task uses gets a
     *       {@code StreamInNode} and its end node too;</li>
     *   <li>a {@code DependentReadNode} per task argument the kernel writes (its sketch's access
     *       {@code WRITE_ONLY} or {@code READ_WRITE}: the arrays given to {@link #add} as written);</li>
     *   <li>a {@code CopyOutNode} per {@code EVERY_EXECUTION} download that a task of the graph writes.</li>
     * </ul>
     * {@code persistOnDevice} and {@code UNDER_DEMAND} downloads add no node. The tasks of a builder share
     * one {@link #context()}: one object, not one per task.
     */
    public static final int GRAPH_NODE_CAPACITY = 1024;

    static {
        if (System.getProperty(BYTECODE_SIZE_PROPERTY) == null) {
            System.setProperty(BYTECODE_SIZE_PROPERTY, Integer.toString(256 * 1024));
        }
    }

    private final String name;
    private final GridScheduler grids;
    private final List<Step> steps = new ArrayList<>();
    private long uploadOnceBytes;
    private long uploadEachBytes;
    private final List<String> tasks = new ArrayList<>();
    private final List<WorkerGrid> taskGrids = new ArrayList<>();
    private final Set<TornadoNativeArray> declared = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<TornadoNativeArray> declaredInOrder = new ArrayList<>();
    private long deviceBytes;
    private int taskCodeBytes;
    private final Set<Object> objects = identitySet();
    private final Set<Object> constants = new HashSet<>();
    private final Set<Object> used = identitySet();
    private final Set<Object> streamedIn = identitySet();
    private final Set<Object> streamedOut = identitySet();
    private final Set<Object> writtenObjects = identitySet();
    private int writtenArguments;
    private final KernelContext context = new KernelContext();
    private String scope = "";

    public GraphBuilder(String name, GridScheduler grids) {
        this.name = name;
        this.grids = grids;
    }

    private static <T> Set<T> identitySet() {
        return Collections.newSetFromMap(new IdentityHashMap<>());
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
     * {@code FIRST_EXECUTION} uploads of the arrays this graph has not declared yet (scratch that several
     * layers of one graph share, {@link LayerScratch}, is declared once).
     */
    public GraphBuilder uploadOnce(TornadoNativeArray... arrays) {
        Set<TornadoNativeArray> seen = identitySet();
        TornadoNativeArray[] fresh = Arrays.stream(arrays).filter(a -> !declared.contains(a) && seen.add(a))
                .toArray(TornadoNativeArray[]::new);
        if (fresh.length > 0) {
            steps.add(new Step(g -> g.transferToDevice(DataTransferMode.FIRST_EXECUTION, (Object[]) fresh), fresh));
            uploadOnceBytes += bytes(fresh);
            declare(fresh);
        }
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
        steps.add(Step.of(g -> g.transferToDevice(DataTransferMode.EVERY_EXECUTION, (Object[]) arrays)));
        uploadEachBytes += bytes(arrays);
        declare(arrays);
        streamedIn.addAll(Arrays.asList(arrays));
        return this;
    }

    public GraphBuilder consume(TornadoNativeArray... arrays) {
        steps.add(Step.of(g -> g.consumeFromDevice((Object[]) arrays)));
        declare(arrays);
        return this;
    }

    public GraphBuilder keepOnDevice(TornadoNativeArray... arrays) {
        steps.add(Step.of(g -> g.persistOnDevice((Object[]) arrays)));
        return this;
    }

    /** Buffers the host may fetch after an execution (traces), never transferred otherwise. */
    public GraphBuilder downloadOnDemand(TornadoNativeArray... arrays) {
        steps.add(Step.of(g -> g.transferToHost(DataTransferMode.UNDER_DEMAND, (Object[]) arrays)));
        return this;
    }

    /** Buffers copied back after every execution (the self-test's and the profiler's one-graph checks). */
    public GraphBuilder downloadEach(TornadoNativeArray... arrays) {
        steps.add(Step.of(g -> g.transferToHost(DataTransferMode.EVERY_EXECUTION, (Object[]) arrays)));
        objects.addAll(Arrays.asList(arrays));
        streamedOut.addAll(Arrays.asList(arrays));
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

    /**
     * Adds the task named last ({@code TaskPackage.createPackage(t.task(), Kernels::method, arguments...)});
     * {@code written}: the arguments its kernel writes (for {@link #graphNodes()}).
     */
    public GraphBuilder add(TaskPackage task, TornadoNativeArray... written) {
        steps.add(Step.of(g -> g.addTask(task)));
        Object[] parameters = task.getTaskParameters();
        taskCodeBytes += taskCodeBytes(parameters.length - 1);
        Set<Object> writes = identitySet();
        writes.addAll(Arrays.asList(written));
        if (writes.isEmpty()) {
            throw new IllegalArgumentException("task " + tasks.getLast() + ": a kernel writes at least one argument");
        }
        for (int i = 1; i < parameters.length; i++) {
            Object p = parameters[i];
            if (p instanceof Number || p instanceof Boolean || p instanceof Character) {
                constants.add(p);
            } else {
                objects.add(p);
                used.add(p);
                if (writes.remove(p)) {
                    writtenObjects.add(p);
                    writtenArguments++;
                }
            }
        }
        if (!writes.isEmpty()) {
            throw new IllegalArgumentException("task " + tasks.getLast() + ": a written array is not an argument");
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

    /** The nodes of TornadoVM's graph of these tasks (at most {@link #GRAPH_NODE_CAPACITY}; see there). */
    public int graphNodes() {
        int tasksNodes = tasks.isEmpty() ? 0 : 1 + 2 * tasks.size();
        int unusedStreamIns = (int) streamedIn.stream().filter(o -> !used.contains(o)).count();
        int copyOuts = (int) streamedOut.stream().filter(writtenObjects::contains).count();
        return constants.size() + objects.size() + tasksNodes + 2 * used.size() + 2 * unusedStreamIns
                + writtenArguments + copyOuts;
    }

    /** Whether TornadoVM 5.2 takes these tasks as one graph (task buffer and node limits). */
    public boolean fitsTornadoVM() {
        return taskCodeBytes <= TASK_CODE_CAPACITY && graphNodes() <= GRAPH_NODE_CAPACITY;
    }

    /**
     * Appends the declarations and tasks of {@code fragment}, in its order; its {@code FIRST_EXECUTION}
     * uploads of arrays this graph already declared are left out.
     */
    public GraphBuilder append(GraphBuilder fragment) {
        for (Step s : fragment.steps) {
            if (s.onceUploads() == null) {
                steps.add(s);
            } else {
                uploadOnce(s.onceUploads());
            }
        }
        uploadEachBytes += fragment.uploadEachBytes;
        declare(fragment.declaredInOrder.toArray(TornadoNativeArray[]::new));
        tasks.addAll(fragment.tasks);
        taskGrids.addAll(fragment.taskGrids);
        taskCodeBytes += fragment.taskCodeBytes;
        objects.addAll(fragment.objects);
        constants.addAll(fragment.constants);
        used.addAll(fragment.used);
        streamedIn.addAll(fragment.streamedIn);
        streamedOut.addAll(fragment.streamedOut);
        writtenObjects.addAll(fragment.writtenObjects);
        writtenArguments += fragment.writtenArguments;
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
        if (graphNodes() > GRAPH_NODE_CAPACITY) {
            throw new IllegalStateException("graph " + name + ": " + graphNodes() + " nodes of TornadoVM's "
                    + GRAPH_NODE_CAPACITY + "-node task graph");
        }
        if (new HashSet<>(tasks).size() != tasks.size()) {
            throw new IllegalStateException("graph " + name + " has duplicate task ids: " + tasks);
        }
        TaskGraph graph = new TaskGraph(name);
        steps.forEach(s -> s.action().accept(graph));
        for (int i = 0; i < tasks.size(); i++) {
            grids.addWorkerGrid(name + "." + tasks.get(i), taskGrids.get(i));
        }
        return new BuiltGraph(name, graph.snapshot(), uploadOnceBytes, uploadEachBytes, deviceBytes,
                List.copyOf(tasks), graphNodes());
    }

    /** A recorded declaration or task; {@code onceUploads}: the arrays of a {@link #uploadOnce}, else null. */
    private record Step(Consumer<TaskGraph> action, TornadoNativeArray[] onceUploads) {
        static Step of(Consumer<TaskGraph> action) {
            return new Step(action, null);
        }
    }

    /** Adds the data bytes of buffers this graph has not declared yet to its device footprint. */
    private void declare(TornadoNativeArray... arrays) {
        for (TornadoNativeArray a : arrays) {
            objects.add(a);
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
