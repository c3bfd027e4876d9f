package dev.llada2.tornado;

import dev.llada2.backend.DeviceId;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.EngineStats;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.tornado.graphs.HeadGraph;
import dev.llada2.tornado.graphs.LayerGraph;
import dev.llada2.tornado.plan.HostExperts;
import dev.llada2.tornado.plan.Stage;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.LLaDA2Weights;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The LLaDA2 forward pass on TornadoVM devices, exact against the CPU engine (fp32 compute on the
 * checkpoint's weights). The model stays on the device(s): weights are uploaded once when the engine
 * is created, activations and each layer's KV cache never leave the device between graphs.
 *
 * <p>Per pass the host uploads only the params array (positions, mask, token ids: a few hundred
 * bytes) and, for the head, the requested rows; a greedy decoding step downloads only the
 * (token, confidence) pair of each requested row. Full logits rows are downloaded only for a
 * {@link HeadRequest.Logits} request, intermediate tensors only when a {@link TraceSink} asks.
 *
 * <p>With several devices the layers form a pipeline of stages (contiguous layer ranges, each layer's
 * KV cache on its device); between stages the host fetches the residual stream from one device and
 * uploads it to the next, counted as a hand-off in {@link EngineStats}.
 *
 * <p>Routed experts may also live away from their layer's device ({@link HostExperts}): in host memory
 * on CPU devices (llama.cpp's {@code --cpu-moe}), or on other TornadoVM devices (expert parallelism).
 * The layer's device computes the router, its own experts and the shared expert; the router outputs
 * and the input rows of the tokens routed elsewhere go down, the CPU devices and the other TornadoVM
 * devices ({@code PeerExpertGraph}: the same expert kernels) compute those experts' weighted slot
 * outputs, the rows go back up and the home's combine sums every slot in slot order, so the result is
 * the single device's bit for bit on TornadoVM peers (data flow and byte counts: {@code HostExpertGraphs}).
 */
public final class TornadoEngine implements Engine {

    private final LLaDA2Config c;
    private final TornadoEngineOptions options;
    private final List<Stage> stages;
    private final HostExperts hostExperts;
    private final EngineStats stats = new EngineStats();
    private final double warmUpSeconds;
    private int cacheLength;

    /** The whole model on one device, default capacities. */
    public TornadoEngine(LLaDA2Weights weights, DeviceId device) {
        this(weights, device, TornadoEngineOptions.defaults(weights.config()));
    }

    public TornadoEngine(LLaDA2Weights weights, DeviceId device, TornadoEngineOptions options) {
        this(weights, List.of(device), new int[weights.config().numHiddenLayers()], options);
    }

    /**
     * A pipeline over several devices.
     *
     * @param layerDevice per layer, an index into {@code devices}; non-decreasing, so each device holds
     *                    one contiguous range of layers (the embedding goes with layer 0, the final norm
     *                    and LM head with the last layer)
     */
    public TornadoEngine(LLaDA2Weights weights, List<DeviceId> devices, int[] layerDevice,
                         TornadoEngineOptions options) {
        this(weights, devices, layerDevice, HostExperts.none(weights.config()), options);
    }

    /**
     * A pipeline over several devices with some routed experts away from their layer's device (host
     * memory on CPU devices, or other TornadoVM devices).
     *
     * @param layerDevice per layer, an index into {@code devices} naming a TornadoVM device, as above
     * @param hostExperts the routed experts away from their layer's device; the engine owns it (closes it, also when
     *                    creation fails)
     */
    public TornadoEngine(LLaDA2Weights weights, List<DeviceId> devices, int[] layerDevice, HostExperts hostExperts,
                         TornadoEngineOptions options) {
        this.c = weights.config();
        this.options = options;
        this.hostExperts = hostExperts;
        List<Stage> built = new ArrayList<>();
        try {
            checkPlacement(devices, layerDevice, c.numHiddenLayers());
            boolean[][] onHost = hostExperts.onHost();
            int n = c.numHiddenLayers();
            for (int from = 0; from < n; ) {
                int to = from;
                while (to < n && layerDevice[to] == layerDevice[from]) {
                    to++;
                }
                built.add(Stage.build(weights, from, to, from == 0, to == n, devices.get(layerDevice[from]), onHost,
                        options, stats));
                from = to;
            }
            hostExperts.startPeers(weights, options, stats);
        } catch (RuntimeException e) {
            built.forEach(Stage::close);
            hostExperts.close();
            throw e;
        }
        this.stages = List.copyOf(built);
        long t0 = System.nanoTime();
        try {
            warmUp();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.warmUpSeconds = (System.nanoTime() - t0) / 1e9;
    }

    private static void checkPlacement(List<DeviceId> devices, int[] layerDevice, int layers) {
        if (devices.isEmpty() || layerDevice.length != layers) {
            throw LladaException.input("a TornadoVM pipeline needs at least one device and one device index per"
                    + " layer (" + layers + "), got " + devices.size() + " devices and " + layerDevice.length
                    + " indexes");
        }
        for (int l = 0; l < layers; l++) {
            if (layerDevice[l] < 0 || layerDevice[l] >= devices.size() || (l > 0 && layerDevice[l] < layerDevice[l - 1])) {
                throw LladaException.input("layer " + l + " is placed on device index " + layerDevice[l] + ": indexes"
                        + " must be in 0.." + (devices.size() - 1) + " and non-decreasing (each device holds one"
                        + " contiguous range of layers)");
            }
            if (devices.get(layerDevice[l]).isCpu()) {
                throw LladaException.input("layer " + l + " is placed on " + devices.get(layerDevice[l]) + ": the"
                        + " TornadoVM engine runs layers on TornadoVM devices (only routed experts in host memory)");
            }
        }
    }

    /**
     * One pass of one token with a greedy head on {@code headRows + 1} rows (all the token's), so that
     * the head runs twice and every graph of the plans once: TornadoVM JIT-compiles every kernel, uploads
     * every weight and buffer ({@code FIRST_EXECUTION}) and runs each kernel once, so the first real
     * forward is not slower than the rest; the graphs of experts on other TornadoVM devices that the
     * token did not reach run once without tokens. Leaves the cache empty (the position-0 keys it wrote are
     * overwritten).
     */
    private void warmUp() {
        run(new int[] {0}, 0, 0, new int[options.headRows() + 1], true, TraceSink.NONE);
        hostExperts.warmUpPeers();
        cacheLength = 0;
    }

    @Override
    public LLaDA2Config config() {
        return c;
    }

    @Override
    public ForwardResult forward(ForwardRequest r) {
        r.validate(cacheLength, c.vocabSize());
        if (r.start() + r.length() > options.maxSequence()) {
            throw LladaException.input("positions up to " + (r.start() + r.length()) + " exceed the TornadoVM engine's"
                    + " KV cache of " + options.maxSequence() + " positions (create it with a larger maxSequence)");
        }
        int[] rows = switch (r.head()) {
            case HeadRequest.None n -> new int[0];
            case HeadRequest.Greedy g -> g.rows();
            case HeadRequest.Logits l -> l.rows();
        };
        for (int row : rows) {
            if (row < 0 || row >= r.length()) {
                throw new IllegalArgumentException("head row " + row + " outside the " + r.length() + " tokens");
            }
        }
        int block = r.mask() instanceof AttentionMask.BlockCausal bc ? bc.blockLength() : 0;
        ForwardResult result = run(r.tokens(), r.start(), block, rows, r.head() instanceof HeadRequest.Greedy,
                r.trace());
        if (r.appendToCache()) {
            cacheLength = r.start() + r.length();
        }
        stats.countForward();
        return r.head() instanceof HeadRequest.None ? ForwardResult.EMPTY : result;
    }

    private ForwardResult run(int[] ids, int start, int block, int[] rows, boolean greedy, TraceSink trace) {
        ForwardPasses passes = ForwardPasses.split(start, ids.length, block, options.maxTokens());
        if (trace.enabled() && passes.ranges().size() > 1) {
            throw LladaException.input("tracing a forward of " + ids.length + " tokens needs it in one pass; the"
                    + " TornadoVM engine runs at most " + options.maxTokens() + " tokens per pass");
        }
        int[] argmax = new int[rows.length];
        float[] confidence = new float[rows.length];
        float[][] logits = new float[rows.length][];
        HeadGraph head = stages.getLast().head().orElseThrow();
        for (int[] pass : passes.ranges()) {
            int from = pass[0];
            int to = pass[1];
            for (Stage s : stages) {
                s.shared().setPass(ids, from, to, start + from, block);
            }
            List<Integer> inPass = new ArrayList<>();
            for (int i = 0; i < rows.length; i++) {
                if (rows[i] >= from && rows[i] < to) {
                    inPass.add(i);
                }
            }
            int[] local = inPass.stream().mapToInt(i -> rows[i] - from).toArray();
            // the head's first chunk may run in the last layers' graph: its rows (maybe none) go up with it
            head.setRows(local, 0, Math.min(local.length, head.maxRows()));
            TornadoExecutionResult last = runLayers(to - from, trace);
            if (local.length > 0 || trace.enabled()) {
                runHead(head.inLayerGraph() ? last : null, inPass, local, to - from, greedy, argmax, confidence,
                        logits, trace);
            }
        }
        return greedy ? new ForwardResult(argmax, confidence, null) : new ForwardResult(null, null, logits);
    }

    /**
     * Embedding and every layer of every stage, handing the residual stream from stage to stage. A
     * stage's graphs hold its embedding and its whole layers (and, when it fits, the head's first chunk
     * of rows after the last layer), so each runs once; a trace fetches each
     * layer's tensors after it (every layer has its own output buffers), before the next graph runs.
     *
     * @return the result of the graph executed last (the last stage's last layers)
     */
    private TornadoExecutionResult runLayers(int tokens, TraceSink trace) {
        int h = c.hiddenSize();
        TornadoExecutionResult last = null;
        for (int si = 0; si < stages.size(); si++) {
            Stage s = stages.get(si);
            if (s.hasEmbedding()) {
                last = s.runEmbedding();
                if (trace.enabled()) {
                    trace.floats("embeddings", s.plan().fetch(last, s.shared().hidden(), tokens * h), tokens, h);
                }
            }
            for (int i = 0; i < s.layers().size(); i++) {
                LayerGraph g = s.layers().get(i);
                if (!s.ranBefore(i)) {
                    last = s.runLayer(i);
                }
                if (trace.enabled()) {
                    trace.layer("attn_out", g.layer(), s.plan().fetch(last, g.attnOut(), tokens * h), tokens, h);
                }
                if (g.hostExperts().isPresent()) {
                    last = hostExperts.runFeedForward(s, i, tokens, r -> {
                        if (trace.enabled()) {
                            traceRouter(s, g, r, tokens, trace);
                        }
                    }, stats);
                } else if (trace.enabled()) {
                    traceRouter(s, g, last, tokens, trace);
                }
                if (trace.enabled()) {
                    trace.layer("mlp_out", g.layer(), s.plan().fetch(last, g.mlpOut(), tokens * h), tokens, h);
                    trace.layer("layer_out", g.layer(), s.plan().fetch(last, g.output(), tokens * h), tokens, h);
                }
            }
            if (si + 1 < stages.size()) {
                float[] hidden = s.plan().fetch(last, s.residual(), tokens * h);
                FloatArray next = stages.get(si + 1).shared().hidden();
                for (int i = 0; i < hidden.length; i++) {
                    next.set(i, hidden[i]);
                }
                stats.addHandoff(4L * tokens * h);
            }
        }
        return last;
    }

    /**
     * Router outputs of a MoE layer, fetched from the graph that computed them before the next graph
     * runs (TornadoVM fetches from the graph executed last).
     */
    private void traceRouter(Stage s, LayerGraph g, TornadoExecutionResult r, int tokens, TraceSink trace) {
        g.moe().ifPresent(m -> {
            int k = c.numExpertsPerTok();
            String p = "router.layer" + g.layer() + ".";
            trace.ints(p + "topk_idx", s.plan().fetch(r, m.topIdx(), tokens * k), tokens, k);
            trace.floats(p + "topk_weight", s.plan().fetch(r, m.topWeight(), tokens * k), tokens, k);
            trace.floats(p + "logits", s.plan().fetch(r, m.routerLogits(), tokens * c.numExperts()), tokens,
                    c.numExperts());
        });
    }

    /**
     * The head's results for the requested rows of this pass ({@code local}: relative to the pass),
     * {@code headRows} at a time: the first chunk from {@code first} (the last layers' graph that ran
     * it) or from the head's own graph (run here, with the rows set before the layers ran), each further
     * chunk from another execution of the stage's last graph. {@code final_hidden} is traced from the
     * first chunk's graph, before any other runs (TornadoVM fetches from the graph executed last).
     */
    private void runHead(TornadoExecutionResult first, List<Integer> inPass, int[] local, int tokens, boolean greedy,
                         int[] argmax, float[] confidence, float[][] logits, TraceSink trace) {
        Stage last = stages.getLast();
        HeadGraph head = last.head().orElseThrow();
        TornadoExecutionResult r = first != null ? first : last.runHead();
        if (trace.enabled()) {
            int h = c.hiddenSize();
            trace.floats("final_hidden", last.plan().fetch(r, head.finalHidden(), tokens * h), tokens, h);
        }
        for (int k = 0; ; ) {
            int end = Math.min(local.length, k + head.maxRows());
            int n = end - k;
            if (greedy) {
                int[] tok = last.plan().fetch(r, head.tokens(), n);
                float[] conf = last.plan().fetch(r, head.confidence(), n);
                for (int j = 0; j < n; j++) {
                    argmax[inPass.get(k + j)] = tok[j];
                    confidence[inPass.get(k + j)] = conf[j];
                }
            } else if (n > 0) {
                int vocab = c.vocabSize();
                float[] flat = last.plan().fetch(r, head.logits(), n * vocab);
                for (int j = 0; j < n; j++) {
                    logits[inPass.get(k + j)] = java.util.Arrays.copyOfRange(flat, j * vocab, (j + 1) * vocab);
                }
            }
            k = end;
            if (k >= local.length) {
                return;
            }
            head.setRows(local, k, Math.min(local.length, k + head.maxRows()));
            r = last.runHead();
        }
    }

    @Override
    public int cacheLength() {
        return cacheLength;
    }

    @Override
    public void resetCache() {
        cacheLength = 0;
    }

    @Override
    public EngineStats stats() {
        return stats;
    }

    /**
     * Seconds of the warm-up pass at creation: JIT compilation of every kernel, the one-time upload of
     * the weights and the first execution.
     */
    public double warmUpSeconds() {
        return warmUpSeconds;
    }

    /**
     * Host-to-device bytes of all graph executions as TornadoVM's own profiler counted them, when the
     * engine was created with {@link TornadoEngineOptions#profile()} (else 0): a cross-check of
     * {@link #stats()}.
     */
    public long profiledHostToDeviceBytes() {
        return stages.stream().mapToLong(s -> s.plan().profiledHostToDevice()).sum();
    }

    /** Device-to-host bytes TornadoVM copied inside graph executions (profile option); the engine declares none. */
    public long profiledDeviceToHostBytes() {
        return stages.stream().mapToLong(s -> s.plan().profiledDeviceToHost()).sum();
    }

    /** JIT compilation seconds as TornadoVM's profiler reported them (profile option, else 0). */
    public double profiledCompileSeconds() {
        return stages.stream().mapToLong(s -> s.plan().profiledCompileNanos()).sum() / 1e9;
    }

    /** Every task of every device plan as {@code graph.task}, in execution order. */
    public List<String> taskNames() {
        return stages.stream().flatMap(s -> s.plan().taskNames().stream()).toList();
    }

    public TornadoEngineOptions options() {
        return options;
    }

    /** The stages, in pipeline order (tests read their graphs). */
    List<Stage> stages() {
        return stages;
    }

    @Override
    public String describe() {
        String where = stages.stream().map(s -> s.device() + " (" + s.info().name() + ", layers " + s.firstLayer()
                + ".." + (s.firstLayer() + s.layers().size() - 1) + ")").collect(Collectors.joining(" -> "));
        if (hostExperts.any()) {
            where += "; " + hostExperts.describe();
        }
        return String.format(Locale.ROOT, "tornado engine on %s; passes of up to %d tokens, KV cache of %d"
                        + " positions; warm-up (JIT compile, weight upload, first pass) %.1f s", where,
                options.maxTokens(), options.maxSequence(), warmUpSeconds);
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Stage s : stages) {
            try {
                s.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        hostExperts.close();
        if (first != null) {
            throw first;
        }
    }
}
