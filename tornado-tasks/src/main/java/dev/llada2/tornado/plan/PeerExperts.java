package dev.llada2.tornado.plan;

import dev.llada2.backend.DeviceId;
import dev.llada2.backend.DeviceInfo;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.runtime.EngineStats;
import dev.llada2.tornado.TornadoDevices;
import dev.llada2.tornado.TornadoEngineOptions;
import dev.llada2.tornado.graphs.BuiltGraph;
import dev.llada2.tornado.graphs.PeerExpertGraph;
import dev.llada2.weights.LLaDA2Weights;
import dev.llada2.weights.MlpWeights;
import dev.llada2.weights.MoeWeights;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Expert parallelism: the routed experts one TornadoVM device holds for MoE layers whose home is another
 * device, as one {@link PeerExpertGraph} per such layer in the device's own {@link DevicePlan}. The
 * graphs share nothing (every input is uploaded by the graph that reads it), so they run in any order and
 * only when a token of the pass chose one of the device's experts.
 */
public final class PeerExperts implements AutoCloseable {

    private final DeviceId device;
    private final DeviceInfo info;
    private final PeerExpertGraph[] byLayer;
    private final int[] graphIndex;
    private final boolean[] executed;
    private final DevicePlan plan;
    private final int hidden;

    private PeerExperts(DeviceId device, DeviceInfo info, PeerExpertGraph[] byLayer, int[] graphIndex,
                        DevicePlan plan, int hidden) {
        this.device = device;
        this.info = info;
        this.byLayer = byLayer;
        this.graphIndex = graphIndex;
        this.executed = new boolean[plan.graphCount()];
        this.plan = plan;
        this.hidden = hidden;
    }

    /**
     * Checks the device's budget, copies its experts into upload layout and builds the graphs (compiled on their first
     * execution, see {@link #warmUp()}).
     *
     * @param mine per layer, per routed expert, whether it lives on {@code device}; a null row = none
     */
    public static PeerExperts build(LLaDA2Weights w, DeviceId device, boolean[][] mine, TornadoEngineOptions o,
                                    EngineStats stats) {
        LLaDA2Config c = w.config();
        DeviceInfo info = TornadoDevices.info(device);
        long maxPart = Stage.maxPartBytes(info, o);
        MemoryBudget budget = Stage.budget(info, o);
        for (int l = 0; l < mine.length; l++) {
            if (mine[l] != null) {
                MoeWeights m = (MoeWeights) w.layers().get(l).ffn();
                boolean[] onDevice = mine[l];
                List<MlpWeights> held = IntStream.range(0, onDevice.length).filter(e -> onDevice[e])
                        .mapToObj(m.experts()::get).toList();
                Stage.addStack(budget, l, "gate_proj", held.stream().map(MlpWeights::gate).toList(), maxPart);
                Stage.addStack(budget, l, "up_proj", held.stream().map(MlpWeights::up).toList(), maxPart);
                Stage.addStack(budget, l, "down_proj", held.stream().map(MlpWeights::down).toList(), maxPart);
            }
        }
        GridScheduler grids = new GridScheduler();
        PeerExpertGraph[] byLayer = new PeerExpertGraph[mine.length];
        int[] graphIndex = new int[mine.length];
        List<BuiltGraph> graphs = new ArrayList<>();
        for (int l = 0; l < mine.length; l++) {
            if (mine[l] != null) {
                byLayer[l] = new PeerExpertGraph(c, l, (MoeWeights) w.layers().get(l).ffn(), mine[l], o.maxTokens(),
                        maxPart, grids);
                graphIndex[l] = graphs.size();
                graphs.add(byLayer[l].built());
            }
        }
        long weights = budget.total();
        long resident = graphs.stream().mapToLong(g -> g.uploadOnceBytes() + g.uploadEachBytes()).sum();
        budget.add("the expert inputs and scratch (" + o.maxTokens() + " tokens per pass)",
                Math.max(0, resident - weights), 0);
        DevicePlan plan = new DevicePlan(graphs, grids, TornadoDevices.resolve(device),
                device + " (" + info.name() + ")", stats, o.profile());
        return new PeerExperts(device, info, byLayer, graphIndex, plan, c.hiddenSize());
    }

    public DeviceId device() {
        return device;
    }

    public DeviceInfo info() {
        return info;
    }

    /** Whether this device holds routed experts of {@code layer}. */
    public boolean holds(int layer) {
        return byLayer[layer] != null;
    }

    /** Whether {@code expert} of {@code layer} lives on this device. */
    public boolean holds(int layer, int expert) {
        return byLayer[layer] != null && byLayer[layer].mine(expert);
    }

    /**
     * This device's share of one MoE layer for the pass: uploads the rows, ids and weights of the tokens
     * routed to its experts, runs its graph, fetches their weighted slot rows into {@code slotOut} (home
     * slot numbering). Does nothing when no token chose one of its experts. Counts the payload as
     * hand-off bytes: {@code 8 U k + 4 H U} to the device, {@code 4 H S} back.
     *
     * @param rows    the input rows m {@code [T, H]} (at least those of the tokens routed here)
     * @param slotOut receives the weighted output rows of this device's slots {@code [T k, H]}
     */
    public void run(int layer, int[] idx, float[] mix, float[] rows, int tokens, float[] slotOut, int topK,
                    EngineStats stats) {
        PeerExpertGraph g = byLayer[layer];
        PeerExpertGraph.Routed routed = g.set(idx, mix, rows, tokens);
        if (routed.tokens() == 0) {
            return;
        }
        TornadoExecutionResult r = execute(graphIndex[layer]);
        int s = routed.slots().length;
        float[] packed = new float[s * hidden];
        plan.fetch(r, g.packed(), 0, s * hidden, packed, 0);
        for (int i = 0; i < s; i++) {
            System.arraycopy(packed, i * hidden, slotOut, routed.slots()[i] * hidden, hidden);
        }
        stats.addHandoff(8L * routed.tokens() * topK + 4L * hidden * (routed.tokens() + s));
    }

    /**
     * Compiles and uploads every graph a pass has not run yet (an execution without tokens), so that the
     * engine's warm-up leaves no JIT compilation or weight upload for a later forward.
     */
    public void warmUp() {
        for (int l = 0; l < byLayer.length; l++) {
            if (byLayer[l] != null && !executed[graphIndex[l]]) {
                byLayer[l].set(new int[0], new float[0], new float[0], 0);
                execute(graphIndex[l]);
            }
        }
    }

    private TornadoExecutionResult execute(int index) {
        executed[index] = true;
        return plan.execute(index);
    }

    @Override
    public void close() {
        plan.close();
    }
}
