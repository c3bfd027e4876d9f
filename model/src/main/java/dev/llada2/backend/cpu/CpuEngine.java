package dev.llada2.backend.cpu;

import dev.llada2.backend.cpu.format.CpuWeightFormat;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.EngineStats;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardPart;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.runtime.Placement;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.DenseMlp;
import dev.llada2.weights.LLaDA2Weights;
import dev.llada2.weights.LayerWeights;
import dev.llada2.weights.MoeWeights;

import java.util.List;
import java.util.stream.IntStream;

/**
 * The pure-Java engine: the forward pass of {@link dev.llada2.arch.LLaDA2Architecture} in fp32 on
 * the checkpoint's weights, on one or more CPU devices as a {@link Placement} says.
 *
 * <p>The residual stream {@code h [T, hidden]} lives on the host; when consecutive parts of the
 * model sit on different devices the engine counts the hand-off (the bytes that a real link would
 * carry). Each layer's keys/values stay with its home device.
 */
public final class CpuEngine implements Engine {

    private final LLaDA2Config c;
    private final LLaDA2Weights w;
    private final List<CpuDevice> devices;
    private final Placement placement;
    private final CpuAttention attention;
    private final CpuMoe moe;
    private final KvCache[] caches;
    private final CpuDevice[][] expertDevices;
    private final EngineStats stats = new EngineStats();
    private final boolean ownsDevices;
    private int cacheLength;

    /**
     * @param ownsDevices close the devices' thread pools with the engine
     */
    public CpuEngine(LLaDA2Weights weights, List<CpuDevice> devices, Placement placement, boolean ownsDevices) {
        if (placement.deviceCount() != devices.size()) {
            throw new IllegalArgumentException("placement is for " + placement.deviceCount() + " devices, got "
                    + devices.size());
        }
        this.c = weights.config();
        this.w = weights;
        this.devices = List.copyOf(devices);
        this.placement = placement;
        this.ownsDevices = ownsDevices;
        this.attention = new CpuAttention(c);
        this.moe = new CpuMoe(c);
        this.caches = new KvCache[c.numHiddenLayers()];
        this.expertDevices = new CpuDevice[c.numHiddenLayers()][];
        for (int l = 0; l < caches.length; l++) {
            caches[l] = new KvCache(c.kvDim());
            int[] ed = placement.expertDevice()[l];
            expertDevices[l] = new CpuDevice[ed.length];
            for (int e = 0; e < ed.length; e++) {
                expertDevices[l][e] = devices.get(ed[e]);
            }
        }
    }

    /** One device with every core, everything on it. */
    public static CpuEngine singleDevice(LLaDA2Weights weights) {
        return new CpuEngine(weights, List.of(CpuDevice.allCores("cpu")), Placement.singleDevice(weights.config()), true);
    }

    @Override
    public LLaDA2Config config() {
        return c;
    }

    @Override
    public ForwardResult forward(ForwardRequest r) {
        r.validate(cacheLength, c.vocabSize());
        int tokens = r.length();
        int h = c.hiddenSize();
        TraceSink trace = r.trace();
        long start = System.nanoTime();
        long accounted = stats.partNanosTotal();
        float[] x = new float[tokens * h];
        CpuDevice current = devices.get(placement.embeddingDevice());
        embed(r.tokens(), x);
        long t = stats.lap(ForwardPart.EMBEDDING, start);
        if (trace.enabled()) {
            trace.floats("embeddings", x, tokens, h);
        }
        float[] normed = new float[tokens * h];
        float[] delta = new float[tokens * h];
        int[] all = IntStream.range(0, tokens).toArray();
        int[] headRows = headRows(r.head());
        // The last layer's output feeds nothing but the head, so past its keys and values (which
        // every row needs) it computes the rows the head reads and no others: exact, since every row
        // of a block is computed on its own (MatMul's result for a token does not depend on the
        // tokens beside it), and about half the rows of a denoising forward (the committed ones) and
        // all of a prefill's are skipped. A trace records every row, so it keeps them all.
        boolean onlyHeadRows = !trace.enabled();
        int rows = tokens;
        for (LayerWeights layer : w.layers()) {
            int l = layer.index();
            CpuDevice dev = devices.get(placement.layerDevice()[l]);
            current = handOff(current, dev, rows);
            t = System.nanoTime();
            rmsNormRows(dev, x, layer.inputNorm(), normed, tokens);
            stats.lap(ForwardPart.NORMS_RESIDUAL, t);
            int[] queries = onlyHeadRows && l == c.numHiddenLayers() - 1 ? headRows : all;
            attention.forward(dev, layer.attention(), normed, tokens, r.start(), r.mask(), caches[l], queries, delta,
                    stats);
            t = System.nanoTime();
            if (queries != all) {
                x = gatherRows(x, queries);
                rows = queries.length;
            }
            if (trace.enabled()) {
                trace.layer("attn_out", l, delta, tokens, h);
            }
            VectorOps.add(delta, 0, x, 0, rows * h);
            rmsNormRows(dev, x, layer.postNorm(), normed, rows);
            t = stats.lap(ForwardPart.NORMS_RESIDUAL, t);
            if (rows > 0) {
                switch (layer.ffn()) {
                    case DenseMlp dense -> {
                        CpuMlp.forward(dev, dense.mlp(), normed, rows, delta);
                        stats.lap(ForwardPart.DENSE_MLP, t);
                    }
                    case MoeWeights m -> moe.forward(dev, expertDevices[l], m, l, normed, rows, delta, trace, stats);
                }
            }
            if (trace.enabled()) {
                trace.layer("mlp_out", l, delta, tokens, h);
            }
            t = System.nanoTime();
            VectorOps.add(delta, 0, x, 0, rows * h);
            stats.lap(ForwardPart.NORMS_RESIDUAL, t);
            if (trace.enabled()) {
                trace.layer("layer_out", l, x, tokens, h);
            }
        }
        if (rows != tokens) {
            // x now holds the head's rows, in order
            headRows = IntStream.range(0, rows).toArray();
        }
        if (r.appendToCache()) {
            cacheLength = r.start() + tokens;
        }
        CpuDevice headDev = devices.get(placement.headDevice());
        handOff(current, headDev, rows);
        t = System.nanoTime();
        ForwardResult result = head(headDev, r.head(), headRows, x, rows, trace);
        long end = stats.lap(ForwardPart.HEAD, t);
        // hand-off accounting, allocation, tracing: the forward's time that no part took
        stats.addTime(ForwardPart.OTHER, (end - start) - (stats.partNanosTotal() - accounted));
        stats.countForward();
        return result;
    }

    /** The rows of {@code x} the head reads, in order ({@code rows} of the request, or of {@code x}). */
    private ForwardResult head(CpuDevice dev, HeadRequest request, int[] rows, float[] x, int tokens,
                               TraceSink trace) {
        int h = c.hiddenSize();
        if (trace.enabled()) {
            float[] all = new float[tokens * h];
            rmsNormRows(dev, x, w.finalNorm(), all, tokens);
            trace.floats("final_hidden", all, tokens, h);
        }
        if (rows.length == 0) {
            return ForwardResult.EMPTY;
        }
        float[] hidden = new float[rows.length * h];
        for (int i = 0; i < rows.length; i++) {
            VectorOps.rmsNorm(x, rows[i] * h, w.finalNorm(), c.rmsNormEps(), hidden, i * h, h);
        }
        if (request instanceof HeadRequest.Greedy) {
            int[] argmax = new int[rows.length];
            float[] conf = new float[rows.length];
            CpuLmHead.greedy(dev, w.lmHead(), hidden, rows.length, argmax, conf);
            return new ForwardResult(argmax, conf, null);
        }
        return new ForwardResult(null, null, CpuLmHead.logits(dev, w.lmHead(), hidden, rows.length));
    }

    private static int[] headRows(HeadRequest request) {
        return switch (request) {
            case HeadRequest.None n -> new int[0];
            case HeadRequest.Greedy g -> g.rows();
            case HeadRequest.Logits lg -> lg.rows();
        };
    }

    /** Rows {@code rows} of {@code x [T, hidden]}, in that order. */
    private float[] gatherRows(float[] x, int[] rows) {
        int h = c.hiddenSize();
        float[] out = new float[rows.length * h];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(x, rows[i] * h, out, i * h, h);
        }
        return out;
    }

    private void embed(int[] ids, float[] x) {
        CpuWeightFormat f = CpuWeightFormat.of(w.embeddings().dtype());
        int h = c.hiddenSize();
        for (int t = 0; t < ids.length; t++) {
            f.decode(w.embeddings().data(), (long) ids[t] * h, h, x, t * h);
        }
    }

    private void rmsNormRows(CpuDevice dev, float[] x, float[] weight, float[] out, int tokens) {
        int h = c.hiddenSize();
        dev.parallelFor(tokens, t -> VectorOps.rmsNorm(x, t * h, weight, c.rmsNormEps(), out, t * h, h));
    }

    private CpuDevice handOff(CpuDevice from, CpuDevice to, int tokens) {
        if (from != to) {
            stats.addHandoff(4L * tokens * c.hiddenSize());
        }
        return to;
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

    @Override
    public String describe() {
        return devices.size() == 1 ? "cpu engine on " + devices.getFirst()
                : "cpu engine on " + devices.size() + " devices " + devices;
    }

    @Override
    public void close() {
        if (ownsDevices) {
            devices.forEach(CpuDevice::close);
        }
    }
}
