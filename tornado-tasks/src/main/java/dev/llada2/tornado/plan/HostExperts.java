package dev.llada2.tornado.plan;

import dev.llada2.backend.DeviceAssignment;
import dev.llada2.backend.DeviceId;
import dev.llada2.backend.cpu.CpuDevice;
import dev.llada2.backend.cpu.RoutedExperts;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.runtime.EngineStats;
import dev.llada2.runtime.Placement;
import dev.llada2.tornado.TornadoEngineOptions;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Routed experts that live away from their layer's home (norms, attention, KV cache, router, shared
 * expert on a TornadoVM device), and the host step that serves them between the layer's graphs:
 * <ul>
 *   <li>in host memory on CPU devices (llama.cpp's {@code --cpu-moe} layout): one {@link CpuDevice}
 *       (worker threads) per CPU device of the placement that holds experts;</li>
 *   <li>on other TornadoVM devices (expert parallelism): one {@link PeerExperts} per such device, built
 *       once the engine's options and counters exist ({@link #startPeers}).</li>
 * </ul>
 * Data flow and byte counts: {@link HostExpertGraphs} (the home's side), {@code PeerExpertGraph} (a
 * peer's).
 */
public final class HostExperts implements AutoCloseable {

    private final LLaDA2Config c;
    private final List<CpuDevice> devices;
    /** Per layer: null = no routed expert on a CPU device; else per expert its CPU device, null = elsewhere. */
    private final CpuDevice[][] byLayer;
    /** Per layer: null = every routed expert on the home; else per expert whether it lives elsewhere. */
    private final boolean[][] offHome;
    private final MoeWeights[] weights;
    /** TornadoVM devices holding experts of layers homed elsewhere, and per layer and expert which ones. */
    private final List<DeviceId> peerDevices;
    private final List<boolean[][]> peerExperts;
    private final List<PeerExperts> peers = new ArrayList<>();
    /**
     * One thread per peer device, which builds, warms up, runs and closes its plan: TornadoVM's
     * {@code execute()} blocks the thread that calls it, so the peers run at the same time only from
     * threads of their own (one plan per device per thread, which TornadoVM supports), and a plan that only
     * ever sees one thread needs nothing of a backend's per-thread device context.
     */
    private final List<ExecutorService> peerThreads = new ArrayList<>();

    private HostExperts(LLaDA2Config c, List<CpuDevice> devices, CpuDevice[][] byLayer, boolean[][] offHome,
                        MoeWeights[] weights, List<DeviceId> peerDevices, List<boolean[][]> peerExperts) {
        this.c = c;
        this.devices = List.copyOf(devices);
        this.byLayer = byLayer;
        this.offHome = offHome;
        this.weights = weights;
        this.peerDevices = List.copyOf(peerDevices);
        this.peerExperts = List.copyOf(peerExperts);
    }

    /** Every routed expert with its layer. */
    public static HostExperts none(LLaDA2Config c) {
        int n = c.numHiddenLayers();
        return new HostExperts(c, List.of(), new CpuDevice[n][], new boolean[n][], new MoeWeights[n], List.of(),
                List.of());
    }

    /**
     * The experts that {@code placement} puts on another device than their layer's: CPU devices of
     * {@code devices}, each with its threads (every core when unset), or other TornadoVM devices.
     */
    public static HostExperts of(LLaDA2Weights w, List<DeviceAssignment> devices, Placement placement) {
        LLaDA2Config c = w.config();
        int n = c.numHiddenLayers();
        CpuDevice[][] byLayer = new CpuDevice[n][];
        boolean[][] offHome = new boolean[n][];
        MoeWeights[] moe = new MoeWeights[n];
        Map<Integer, CpuDevice> cpus = new LinkedHashMap<>();
        Map<Integer, boolean[][]> peers = new LinkedHashMap<>();
        try {
            for (int l = 0; l < n; l++) {
                int[] ed = placement.expertDevice()[l];
                for (int e = 0; e < ed.length; e++) {
                    DeviceAssignment d = devices.get(ed[e]);
                    if (ed[e] == placement.layerDevice()[l]) {
                        continue;
                    }
                    if (offHome[l] == null) {
                        offHome[l] = new boolean[ed.length];
                        moe[l] = (MoeWeights) w.layers().get(l).ffn();
                    }
                    offHome[l][e] = true;
                    if (d.id().isCpu()) {
                        if (byLayer[l] == null) {
                            byLayer[l] = new CpuDevice[ed.length];
                        }
                        byLayer[l][e] = cpus.computeIfAbsent(ed[e], i -> new CpuDevice(d.name(),
                                d.threads().orElse(Runtime.getRuntime().availableProcessors())));
                    } else {
                        boolean[][] mine = peers.computeIfAbsent(ed[e], i -> new boolean[n][]);
                        if (mine[l] == null) {
                            mine[l] = new boolean[ed.length];
                        }
                        mine[l][e] = true;
                    }
                }
            }
        } catch (RuntimeException e) {
            cpus.values().forEach(CpuDevice::close);
            throw e;
        }
        return new HostExperts(c, new ArrayList<>(cpus.values()), byLayer, offHome, moe,
                peers.keySet().stream().map(i -> devices.get(i).id()).toList(), new ArrayList<>(peers.values()));
    }

    /**
     * Builds the graphs of the experts on other TornadoVM devices (budget check, upload layout); on a
     * failure the caller closes this object, which releases what was built.
     */
    public void startPeers(LLaDA2Weights w, TornadoEngineOptions o, EngineStats stats) {
        List<Future<PeerExperts>> built = new ArrayList<>();
        for (int i = 0; i < peerDevices.size(); i++) {
            DeviceId device = peerDevices.get(i);
            boolean[][] mine = peerExperts.get(i);
            ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "llada2-peer-" + device);
                t.setDaemon(true);
                return t;
            });
            peerThreads.add(thread);
            built.add(thread.submit(() -> PeerExperts.build(w, device, mine, o, stats)));
        }
        for (Future<PeerExperts> b : built) {
            peers.add(await(b));
        }
    }

    /** Compiles and uploads every peer graph the warm-up pass did not run ({@link PeerExperts#warmUp()}). */
    public void warmUpPeers() {
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++) {
            running.add(peerThreads.get(i).submit(peers.get(i)::warmUp));
        }
        running.forEach(HostExperts::await);
    }

    /**
     * Per layer, which routed experts live away from the home (a null row: none), for building the
     * home's graphs.
     */
    public boolean[][] onHost() {
        boolean[][] out = new boolean[offHome.length][];
        for (int l = 0; l < offHome.length; l++) {
            out[l] = offHome[l] == null ? null : offHome[l].clone();
        }
        return out;
    }

    /** Whether any routed expert lives away from its layer's home. */
    public boolean any() {
        return !devices.isEmpty() || !peerDevices.isEmpty();
    }

    /**
     * E.g. {@code "routed experts in host memory: cpu (2 threads) 96 of layers 1-3"} or {@code "routed
     * experts on other TornadoVM devices: tornado:0:1 (pthread-...) 24 of layers 1-3"}; empty when none.
     */
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
        List<String> onPeers = new ArrayList<>();
        for (int i = 0; i < peerDevices.size(); i++) {
            TreeSet<Integer> layers = new TreeSet<>();
            int count = 0;
            boolean[][] mine = peerExperts.get(i);
            for (int l = 0; l < mine.length; l++) {
                for (int e = 0; mine[l] != null && e < mine[l].length; e++) {
                    if (mine[l][e]) {
                        layers.add(l);
                        count++;
                    }
                }
            }
            String name = i < peers.size() ? " (" + peers.get(i).info().name() + ")" : "";
            onPeers.add(peerDevices.get(i) + name + " " + count + " of layer" + (layers.size() == 1 ? " " : "s ")
                    + ranges(layers));
        }
        List<String> out = new ArrayList<>();
        if (!parts.isEmpty()) {
            out.add("routed experts in host memory: " + String.join("; ", parts));
        }
        if (!onPeers.isEmpty()) {
            out.add("routed experts on other TornadoVM devices (expert parallelism): " + String.join("; ", onPeers));
        }
        return String.join("; ", out);
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
     * The feed-forward of the stage's i-th layer when some of its routed experts live elsewhere (right
     * after its attention graph): the router/home-expert graph, the host's fetch of the router outputs and
     * of the input rows the other experts need, those experts' weighted slot rows (CPU devices through
     * {@code RoutedExperts}, the CPU engine's code; other TornadoVM devices through their
     * {@link PeerExperts} graphs), one scatter-graph execution per chunk of such slot rows, and the
     * combine graph, which sums every slot in slot order as a single device does. Counts {@code 8 T k +
     * 4 H (U + S)} hand-off bytes for the home (see {@link HostExpertGraphs}) plus each peer's.
     *
     * <p>Concurrency: the peer devices and the CPU devices compute their experts at the same time (each
     * peer driven from its own thread, the CPU devices on their worker threads); each writes only the slots
     * of its own experts, and the combine waits for all of them. The home's own experts run before, inside
     * its router graph: overlapping them with the peers would take one more home graph per layer (router
     * apart from the home's experts), not done.
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
        boolean[] off = offHome[layer];
        int k = c.numExpertsPerTok();
        int h = c.hiddenSize();
        int slots = tokens * k;
        DevicePlan plan = s.plan();

        TornadoExecutionResult routed = s.runFeedForward(i);
        int[] idx = plan.fetch(routed, moe.topIdx(), slots);
        float[] mix = plan.fetch(routed, moe.topWeight(), slots);
        afterRouter.accept(routed);
        int[] hostSlots = IntStream.range(0, slots).filter(x -> off[idx[x]]).toArray();
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
        List<Future<?>> running = new ArrayList<>();
        for (int j = 0; j < peers.size(); j++) {
            PeerExperts p = peers.get(j);
            if (p.holds(layer)) {
                running.add(peerThreads.get(j).submit(() -> p.run(layer, idx, mix, m, tokens, slotOut, k, stats)));
            }
        }
        if (on != null) {
            RoutedExperts.run(weights[layer], on, null, RoutedExperts.slotsByExpert(idx, slots, c.numExperts()), k, h,
                    m, mix, slotOut);
        }
        running.forEach(HostExperts::await);
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

    /** Waits for a peer's share; its failure (a device error, already explained) is rethrown as it was. */
    private static <T> T await(Future<T> peer) {
        try {
            return peer.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a peer device computed its experts", e);
        }
    }

    @Override
    public void close() {
        devices.forEach(CpuDevice::close);
        List<Future<?>> closing = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++) {
            closing.add(peerThreads.get(i).submit(peers.get(i)::close));
        }
        closing.forEach(HostExperts::await);
        peerThreads.forEach(ExecutorService::shutdown);
    }
}
