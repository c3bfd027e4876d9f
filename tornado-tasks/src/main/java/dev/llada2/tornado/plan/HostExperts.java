package dev.llada2.tornado.plan;

import dev.llada2.backend.DeviceAssignment;
import dev.llada2.backend.cpu.CpuDevice;
import dev.llada2.backend.cpu.RoutedExperts;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.runtime.EngineStats;
import dev.llada2.runtime.Placement;
import dev.llada2.tornado.graphs.HostExpertGraphs;
import dev.llada2.tornado.graphs.LayerGraph;
import dev.llada2.tornado.graphs.MoeTasks;
import dev.llada2.weights.LLaDA2Weights;
import dev.llada2.weights.MoeWeights;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Routed experts that live in host memory on CPU devices while their layer's home (norms, attention,
 * KV cache, router, shared expert) is a TornadoVM device: the llama.cpp {@code --cpu-moe} layout. It
 * owns one {@link CpuDevice} (worker threads) per CPU device of the placement that holds experts, and
 * runs the host step of such a layer's feed-forward between its graphs (data flow and byte counts:
 * {@link HostExpertGraphs}).
 */
public final class HostExperts implements AutoCloseable {

    private final LLaDA2Config c;
    private final List<CpuDevice> devices;
    /** Per layer: null = every routed expert on the home; else per expert its CPU device, null = on the home. */
    private final CpuDevice[][] byLayer;
    private final MoeWeights[] weights;

    private HostExperts(LLaDA2Config c, List<CpuDevice> devices, CpuDevice[][] byLayer, MoeWeights[] weights) {
        this.c = c;
        this.devices = List.copyOf(devices);
        this.byLayer = byLayer;
        this.weights = weights;
    }

    /** Every routed expert with its layer. */
    public static HostExperts none(LLaDA2Config c) {
        int n = c.numHiddenLayers();
        return new HostExperts(c, List.of(), new CpuDevice[n][], new MoeWeights[n]);
    }

    /**
     * The experts that {@code placement} puts on CPU devices of {@code devices}, each CPU device with its
     * threads (every core when unset). Experts on TornadoVM devices must be on their layer's home (the
     * caller checks and explains).
     */
    public static HostExperts of(LLaDA2Weights w, List<DeviceAssignment> devices, Placement placement) {
        LLaDA2Config c = w.config();
        int n = c.numHiddenLayers();
        CpuDevice[][] byLayer = new CpuDevice[n][];
        MoeWeights[] moe = new MoeWeights[n];
        Map<Integer, CpuDevice> cpus = new LinkedHashMap<>();
        try {
            for (int l = 0; l < n; l++) {
                int[] ed = placement.expertDevice()[l];
                for (int e = 0; e < ed.length; e++) {
                    DeviceAssignment d = devices.get(ed[e]);
                    if (ed[e] == placement.layerDevice()[l]) {
                        continue;
                    }
                    if (!d.id().isCpu()) {
                        throw new IllegalArgumentException("expert " + e + " of layer " + l + " is on " + d
                                + ", neither its layer's device nor a CPU device");
                    }
                    if (byLayer[l] == null) {
                        byLayer[l] = new CpuDevice[ed.length];
                        moe[l] = (MoeWeights) w.layers().get(l).ffn();
                    }
                    byLayer[l][e] = cpus.computeIfAbsent(ed[e], i -> new CpuDevice(d.name(),
                            d.threads().orElse(Runtime.getRuntime().availableProcessors())));
                }
            }
        } catch (RuntimeException e) {
            cpus.values().forEach(CpuDevice::close);
            throw e;
        }
        return new HostExperts(c, new ArrayList<>(cpus.values()), byLayer, moe);
    }

    /** Per layer, which routed experts are in host memory (a null row: none), for building the graphs. */
    public boolean[][] onHost() {
        boolean[][] out = new boolean[byLayer.length][];
        for (int l = 0; l < byLayer.length; l++) {
            if (byLayer[l] != null) {
                out[l] = new boolean[byLayer[l].length];
                for (int e = 0; e < out[l].length; e++) {
                    out[l][e] = byLayer[l][e] != null;
                }
            }
        }
        return out;
    }

    /** Whether any routed expert is in host memory. */
    public boolean any() {
        return !devices.isEmpty();
    }

    /** E.g. {@code "routed experts in host memory: cpu (2 threads) 96 of layers 1-3"}; empty when none. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        for (CpuDevice d : devices) {
            TreeSet<Integer> layers = new TreeSet<>();
            int count = 0;
            for (int l = 0; l < byLayer.length; l++) {
                for (int e = 0; byLayer[l] != null && e < byLayer[l].length; e++) {
                    if (byLayer[l][e] == d) {
                        layers.add(l);
                        count++;
                    }
                }
            }
            parts.add(d + " " + count + " of layer" + (layers.size() == 1 ? " " : "s ") + ranges(layers));
        }
        return parts.isEmpty() ? "" : "routed experts in host memory: " + String.join("; ", parts);
    }

    /** {@code 1-3,5}. */
    private static String ranges(TreeSet<Integer> values) {
        List<String> out = new ArrayList<>();
        Integer start = null;
        Integer prev = null;
        for (int v : values) {
            if (prev == null || v != prev + 1) {
                if (start != null) {
                    out.add(start.equals(prev) ? "" + start : start + "-" + prev);
                }
                start = v;
            }
            prev = v;
        }
        if (start != null) {
            out.add(start.equals(prev) ? "" + start : start + "-" + prev);
        }
        return String.join(",", out);
    }

    /**
     * The feed-forward of the stage's i-th layer when some of its routed experts are in host memory
     * (right after its attention graph): the router/device-expert graph, the host's fetch of the router
     * outputs and of the input rows the host experts need, the host experts on their CPU devices (at
     * the same time), one scatter-graph execution per chunk of host slot outputs, and the combine graph.
     * Counts {@code 8 T k + 4 H (U + S)} hand-off bytes (see {@link HostExpertGraphs}).
     *
     * @param afterRouter called with the router graph's result before the next graph runs (traces)
     * @return the combine graph's result
     */
    public TornadoExecutionResult runFeedForward(Stage s, int i, int tokens,
                                                 Consumer<TornadoExecutionResult> afterRouter, EngineStats stats) {
        LayerGraph g = s.layers().get(i);
        int layer = g.layer();
        MoeTasks moe = g.moe().orElseThrow();
        HostExpertGraphs graphs = g.hostExperts().orElseThrow();
        CpuDevice[] on = byLayer[layer];
        int k = c.numExpertsPerTok();
        int h = c.hiddenSize();
        int slots = tokens * k;
        DevicePlan plan = s.plan();

        TornadoExecutionResult routed = s.runFeedForward(i);
        int[] idx = plan.fetch(routed, moe.topIdx(), slots);
        float[] mix = plan.fetch(routed, moe.topWeight(), slots);
        afterRouter.accept(routed);
        int[] hostSlots = IntStream.range(0, slots).filter(x -> on[idx[x]] != null).toArray();
        boolean[] needed = new boolean[tokens];
        for (int x : hostSlots) {
            needed[x / k] = true;
        }
        float[] m = new float[tokens * h];
        int rows = 0;
        for (int t = 0; t < tokens; ) {
            int end = t;
            while (end < tokens && needed[end]) {
                end++;
            }
            if (end > t) {
                plan.fetch(routed, g.normed(), t * h, (end - t) * h, m, t * h);
                rows += end - t;
                t = end;
            } else {
                t++;
            }
        }

        float[] slotOut = new float[slots * h];
        RoutedExperts.run(weights[layer], on, null, RoutedExperts.slotsByExpert(idx, slots, c.numExperts()), k, h, m,
                mix, slotOut);
        int from = 0;
        do {
            int to = Math.min(hostSlots.length, from + graphs.chunkRows());
            graphs.setChunk(slotOut, hostSlots, from, to);
            s.runHostSlots(i);
            from = to;
        } while (from < hostSlots.length);
        stats.addHandoff(8L * slots + 4L * h * (rows + hostSlots.length));
        return s.runCombine(i);
    }

    @Override
    public void close() {
        devices.forEach(CpuDevice::close);
    }
}
