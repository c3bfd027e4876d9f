package dev.llada2.tornado.plan;

import dev.llada2.backend.DeviceId;
import dev.llada2.backend.DeviceInfo;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.runtime.EngineStats;
import dev.llada2.tornado.TornadoDevices;
import dev.llada2.tornado.TornadoEngineOptions;
import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.graphs.BuiltGraph;
import dev.llada2.tornado.graphs.HeadGraph;
import dev.llada2.tornado.graphs.LayerGraph;
import dev.llada2.tornado.graphs.MoeTasks;
import dev.llada2.tornado.graphs.SharedBuffers;
import dev.llada2.tornado.graphs.StageGraphs;
import dev.llada2.weights.DenseMlp;
import dev.llada2.weights.LLaDA2Weights;
import dev.llada2.weights.LayerWeights;
import dev.llada2.weights.Matrix;
import dev.llada2.weights.MlpWeights;
import dev.llada2.weights.MoeWeights;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.util.List;
import java.util.Optional;

/**
 * A contiguous span of the model on one device: optionally the embedding, layers
 * {@code [firstLayer, endLayer)}, optionally the final norm and LM head, as one {@link DevicePlan}
 * whose graphs run in that order. A single-device engine is one stage; a pipeline has one per device,
 * and the host hands the residual stream from one to the next.
 */
public final class Stage implements AutoCloseable {

    /** Largest weight buffer: kernels index 16-bit words with {@code int}, and F32 uses two per element. */
    static final long MAX_PART_BYTES = (1L << 31) - (1L << 20);

    private final DeviceId device;
    private final DeviceInfo info;
    private final SharedBuffers shared;
    private final boolean hasEmbedding;
    private final int firstLayer;
    private final List<LayerGraph> layers;
    private final Optional<HeadGraph> head;
    private final FloatArray residual;
    private final DevicePlan plan;
    private final int[] layerGraph;

    private Stage(DeviceId device, DeviceInfo info, SharedBuffers shared, boolean hasEmbedding, int firstLayer,
                  List<LayerGraph> layers, Optional<HeadGraph> head, FloatArray residual, DevicePlan plan,
                  int[] layerGraph) {
        this.device = device;
        this.info = info;
        this.shared = shared;
        this.hasEmbedding = hasEmbedding;
        this.firstLayer = firstLayer;
        this.layers = layers;
        this.head = head;
        this.residual = residual;
        this.plan = plan;
        this.layerGraph = layerGraph;
    }

    /**
     * Checks the budget, copies the weights into upload layout, builds the graphs and JIT-compiles
     * them on {@code device}.
     *
     * @param onHost per layer (absolute index), which routed experts live in host memory rather than on
     *               this device; a null row = none
     */
    public static Stage build(LLaDA2Weights w, int firstLayer, int endLayer, boolean embedding, boolean withHead,
                              DeviceId device, boolean[][] onHost, TornadoEngineOptions o, EngineStats stats) {
        LLaDA2Config c = w.config();
        TornadoDevice tornadoDevice = TornadoDevices.resolve(device);
        DeviceInfo info = TornadoDevices.info(device);
        long maxPart = maxPartBytes(info, o);
        MemoryBudget budget = budget(info, o);
        List<LayerWeights> span = w.layers().subList(firstLayer, endLayer);
        checkWeights(w, span, onHost, embedding, withHead, maxPart, budget);

        SharedBuffers shared = SharedBuffers.allocate(c, o.maxTokens(), o.maxSequence());
        GridScheduler grids = new GridScheduler();
        StageGraphs built = StageGraphs.build(w, firstLayer, endLayer, embedding, withHead, shared, onHost, maxPart,
                o.headRows(), grids);
        List<BuiltGraph> graphs = built.graphs();
        long weights = budget.total();
        long resident = graphs.stream().mapToLong(g -> g.uploadOnceBytes() + g.uploadEachBytes()).sum();
        budget.add("the KV caches (" + o.maxSequence() + " positions), activations (" + o.maxTokens()
                + " tokens per pass) and tables", Math.max(0, resident - weights), 0);
        DevicePlan plan = new DevicePlan(graphs, grids, tornadoDevice, device + " (" + info.name() + ")", stats,
                o.profile());
        return new Stage(device, info, shared, embedding, firstLayer, List.copyOf(built.layers()), built.head(),
                built.residual(), plan, built.layerGraph());
    }

    /** The largest weight buffer the engine makes on a device. */
    static long maxPartBytes(DeviceInfo info, TornadoEngineOptions o) {
        return Math.min(MAX_PART_BYTES, o.maxPartBytes() > 0 ? Math.min(o.maxPartBytes(), info.maxAllocation())
                : info.maxAllocation());
    }

    /** What the engine may allocate on a device: TornadoVM's limit, or the options' lower one. */
    static MemoryBudget budget(DeviceInfo info, TornadoEngineOptions o) {
        long usable = TornadoDevices.usableMemory(info);
        return new MemoryBudget(info, o.maxDeviceBytes() > 0 ? Math.min(o.maxDeviceBytes(), usable) : usable,
                TornadoDevices.memoryCap(), o.maxDeviceBytes() > 0);
    }

    private static void checkWeights(LLaDA2Weights w, List<LayerWeights> span, boolean[][] onHost, boolean embedding,
                                     boolean withHead, long maxPart, MemoryBudget budget) {
        if (embedding) {
            add(budget, List.of(w.embeddings()), maxPart);
        }
        for (LayerWeights l : span) {
            add(budget, List.of(l.attention().qkv()), maxPart);
            add(budget, List.of(l.attention().dense()), maxPart);
            switch (l.ffn()) {
                case DenseMlp d -> addMlp(budget, d.mlp(), maxPart);
                case MoeWeights m -> {
                    add(budget, List.of(m.router()), maxPart);
                    for (int[] r : MoeTasks.residentRanges(onHost[l.index()], m.experts().size())) {
                        List<MlpWeights> e = m.experts().subList(r[0], r[1]);
                        addStack(budget, l.index(), "gate_proj", e.stream().map(MlpWeights::gate).toList(), maxPart);
                        addStack(budget, l.index(), "up_proj", e.stream().map(MlpWeights::up).toList(), maxPart);
                        addStack(budget, l.index(), "down_proj", e.stream().map(MlpWeights::down).toList(), maxPart);
                    }
                    m.shared().ifPresent(s -> addMlp(budget, s, maxPart));
                }
            }
        }
        if (withHead) {
            add(budget, List.of(w.lmHead()), maxPart);
        }
    }

    private static void addMlp(MemoryBudget budget, MlpWeights m, long maxPart) {
        add(budget, List.of(m.gate()), maxPart);
        add(budget, List.of(m.up()), maxPart);
        add(budget, List.of(m.down()), maxPart);
    }

    static void addStack(MemoryBudget budget, int layer, String projection, List<Matrix> experts, long maxPart) {
        budget.add("model.layers." + layer + ".mlp.experts.*." + projection + ".weight",
                experts.stream().mapToLong(Matrix::bytes).sum(), DeviceMatrix.largestPart(experts, maxPart));
    }

    private static void add(MemoryBudget budget, List<Matrix> m, long maxPart) {
        budget.add(m.getFirst().name(), m.getFirst().bytes(), DeviceMatrix.largestPart(m, maxPart));
    }

    public DeviceId device() {
        return device;
    }

    public DeviceInfo info() {
        return info;
    }

    public SharedBuffers shared() {
        return shared;
    }

    public boolean hasEmbedding() {
        return hasEmbedding;
    }

    public int firstLayer() {
        return firstLayer;
    }

    public List<LayerGraph> layers() {
        return layers;
    }

    public Optional<HeadGraph> head() {
        return head;
    }

    public DevicePlan plan() {
        return plan;
    }

    /** The residual stream after the stage's last layer: the head's input, what a pipeline hands on. */
    public FloatArray residual() {
        return residual;
    }

    /** Runs the stage's first graph: the embedding and the layers that share its graph. */
    public TornadoExecutionResult runEmbedding() {
        return plan.execute(0);
    }

    /**
     * Whether the stage's i-th layer (layer {@code firstLayer + i}) runs in a graph that has already run
     * in this pass when its turn comes: the graph of the embedding or of the layer before it.
     */
    public boolean ranBefore(int i) {
        return i == 0 ? hasEmbedding && layerGraph[0] == 0 : layerGraph[i] == layerGraph[i - 1];
    }

    /**
     * Runs the first graph of the stage's i-th layer (layer {@code firstLayer + i}), unless
     * {@link #ranBefore}: the graph of the run of whole layers it starts, or with experts away from the
     * device its attention graph.
     */
    public TornadoExecutionResult runLayer(int i) {
        return plan.execute(layerGraph[i]);
    }

    /**
     * With host-resident experts, runs the router/device-expert graph of the stage's i-th layer, right
     * after {@link #runLayer}: {@link #runHostSlots} and {@link #runCombine} follow.
     */
    public TornadoExecutionResult runFeedForward(int i) {
        return plan.execute(layerGraph[i] + 1);
    }

    /** One chunk of host-computed slot outputs into the i-th layer's slot buffer (host-resident experts). */
    public TornadoExecutionResult runHostSlots(int i) {
        return plan.execute(layerGraph[i] + 2);
    }

    /** Combine and residual of the i-th layer after its host slots (host-resident experts). */
    public TornadoExecutionResult runCombine(int i) {
        return plan.execute(layerGraph[i] + 3);
    }

    /**
     * Runs the stage's last graph: the head in a graph of its own, or, when its first chunk of rows runs
     * in the last layers' graph, the graph of its further chunks ({@code HeadGraph}).
     */
    public TornadoExecutionResult runHead() {
        return plan.execute(plan.graphCount() - 1);
    }

    @Override
    public void close() {
        plan.close();
    }
}
