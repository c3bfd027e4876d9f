package dev.llada2.tornado;

import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.EngineStats;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.tornado.graphs.BuiltGraph;
import dev.llada2.tornado.kernels.ForwardParams;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What crosses between host and device on a decoding step of the {@code small} model: a 32-token block
 * forward against a 32-position cached prefix with a greedy head on 20 masked rows. Up: the params
 * array (positions, mask, token ids) and the head-rows array, plus the 24-byte argument frame TornadoVM
 * writes for each kernel launch, nothing else; down: exactly one
 * (token id, confidence) pair per requested row, 8 bytes each. The engine's own accounting is
 * checked against TornadoVM's profiler (which counts every copy a graph execution makes), and the
 * step's results against the CPU engine.
 */
class TransferAccountingTest {

    private static final int BLOCK = 32;
    private static TornadoEngine engine;
    private static Engine cpu;

    @BeforeAll
    static void create() {
        LoadedModel m = TestEngines.model("small");
        engine = new TornadoEngine(m.weights(), TestEngines.device(),
                TornadoEngineOptions.defaults(m.config()).withProfile(true));
        cpu = CpuEngine.singleDevice(m.weights());
    }

    @AfterAll
    static void close() {
        engine.close();
        cpu.close();
    }

    @Test
    void greedyStepMovesParamsUpAndOnlyTokenConfidencePairsDown() {
        int vocab = engine.config().vocabSize();
        SplittableRandom random = new SplittableRandom(7);
        int[] prompt = IntStream.range(0, BLOCK).map(i -> random.nextInt(vocab)).toArray();
        int[] block = IntStream.range(0, BLOCK).map(i -> random.nextInt(vocab)).toArray();
        int[] rows = IntStream.range(6, 26).toArray();
        for (Engine e : new Engine[] {engine, cpu}) {
            e.resetCache();
            e.forward(new ForwardRequest(prompt, 0, new AttentionMask.BlockCausal(BLOCK), true, HeadRequest.none(),
                    TraceSink.NONE));
        }

        EngineStats.Snapshot before = engine.stats().snapshot();
        long profiledIn = engine.profiledHostToDeviceBytes();
        long profiledOut = engine.profiledDeviceToHostBytes();
        ForwardRequest step = new ForwardRequest(block, BLOCK, new AttentionMask.BlockCausal(BLOCK), false,
                new HeadRequest.Greedy(rows), TraceSink.NONE);
        ForwardResult got = engine.forward(step);
        EngineStats.Snapshot moved = engine.stats().snapshot().minus(before);

        TornadoEngineOptions o = engine.options();
        long params = 4L * ForwardParams.paramsLength(o.maxTokens()) + 16;
        long headRows = 4L * ForwardParams.headRowsLength(o.headRows()) + 16;
        assertEquals(8L * rows.length, moved.deviceToHostBytes(), "down: one int token + one float confidence per row");
        long frames = moved.hostToDeviceBytes() - params - headRows;
        int launches = (int) (frames / BuiltGraph.KERNEL_FRAME_BYTES);
        assertEquals(0, frames % BuiltGraph.KERNEL_FRAME_BYTES, "up: params, head rows and 24-byte kernel frames");
        assertTrue(launches > 0 && launches <= 20 * (engine.config().numHiddenLayers() + 2),
                "up: params, head rows and one TornadoVM kernel frame per launch (" + launches + " launches)");
        assertEquals(launches, moved.kernelLaunches(), "the launch counter equals the kernel frames written");
        assertEquals(1, moved.graphExecutions(), "one graph for the embedding, every layer and the head");
        long lmHead = 2L * vocab * engine.config().hiddenSize();
        assertTrue(moved.deviceBytes() > lmHead, "device bytes include the BF16 lm_head (" + moved.deviceBytes()
                + " vs " + lmHead + ")");
        assertEquals(moved.hostToDeviceBytes(), engine.profiledHostToDeviceBytes() - profiledIn,
                "the engine's count equals TornadoVM's profiler");
        assertEquals(0, engine.profiledDeviceToHostBytes() - profiledOut, "no graph copies anything back by itself");
        assertEquals(0, moved.handoffBytes());
        long declared = engine.stats().hostToDeviceBytes();
        long measured = engine.profiledHostToDeviceBytes();
        // the layers of a graph share their scratch, so the declared total is mostly weights and caches; a
        // few activation buffers per layer (written before read) are still allocated rather than copied
        assertTrue(measured <= declared && declared - measured <= declared * 3 / 100, "since creation (weights"
                + " included) the engine counts what it declares, at most 3% above TornadoVM's count (buffers"
                + " written before read are allocated, not copied): " + declared + " vs " + measured);
        assertEquals(1, moved.forwards());

        ForwardResult want = cpu.forward(step);
        assertArrayEquals(want.argmax(), got.argmax(), "greedy tokens equal the CPU engine's");
        for (int i = 0; i < rows.length; i++) {
            // logits of the lm_head-scaled small model reach ~36; fp32 differences of ~1e-5 in them move
            // a softmax probability by ~1e-5 relative
            assertTrue(Math.abs(want.confidence()[i] - got.confidence()[i]) <= 1e-4 * want.confidence()[i],
                    "row " + rows[i] + " confidence " + got.confidence()[i] + " vs " + want.confidence()[i]);
        }
    }

    /**
     * Graph executions of forwards on one device, counted: the embedding, every layer of the 4-layer
     * model and the head's first {@code headRows} requested rows (none without rows) share one graph;
     * each further chunk of rows is one execution of the head's graph for more rows; a traced forward
     * fetches every layer's tensors and the final hidden states from the same graphs.
     */
    @Test
    void graphExecutionsPerForwardOnOneDevice() {
        engine.resetCache();
        int vocab = engine.config().vocabSize();
        int headRows = engine.options().headRows();
        int[] ids = IntStream.range(0, headRows + 8).map(i -> (i * 53) % vocab).toArray();
        int[] rows = IntStream.range(0, ids.length).toArray();
        assertEquals(1, executions(new ForwardRequest(ids, 0, new AttentionMask.Bidirectional(), false,
                HeadRequest.none(), TraceSink.NONE)), "no head rows: one graph for the embedding and all layers");
        assertEquals(1, executions(new ForwardRequest(ids, 0, new AttentionMask.Bidirectional(), false,
                new HeadRequest.Greedy(Arrays.copyOf(rows, headRows)), TraceSink.NONE)),
                headRows + " rows: one graph for the embedding, all layers and the head");
        ForwardRequest twoChunks = new ForwardRequest(ids, 0, new AttentionMask.Bidirectional(), false,
                new HeadRequest.Greedy(rows), TraceSink.NONE);
        assertEquals(2, executions(twoChunks), "the layers' graph with the first " + headRows + " rows and the"
                + " head's graph for the other 8");
        ForwardResult got = engine.forward(twoChunks);
        cpu.resetCache();
        ForwardResult want = cpu.forward(twoChunks);
        assertArrayEquals(want.argmax(), got.argmax(), "both chunks' tokens equal the CPU engine's");
        List<String> traced = new ArrayList<>();
        TraceSink sink = new TraceSink() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public void floats(String name, float[] data, int... shape) {
                traced.add(name);
            }

            @Override
            public void ints(String name, int[] data, int... shape) {
                traced.add(name);
            }

            @Override
            public void layer(String kind, int layer, float[] data, int rows, int cols) {
                traced.add(kind + layer);
            }
        };
        assertEquals(1, executions(new ForwardRequest(ids, 0, new AttentionMask.Bidirectional(), false,
                new HeadRequest.Greedy(new int[] {0}), sink)), "a traced forward runs the same graphs");
        int layers = engine.config().numHiddenLayers();
        for (int l = 0; l < layers; l++) {
            assertTrue(traced.containsAll(List.of("attn_out" + l, "mlp_out" + l, "layer_out" + l)),
                    traced.toString());
        }
        assertTrue(traced.containsAll(List.of("embeddings", "final_hidden")), traced.toString());
    }

    private static long executions(ForwardRequest r) {
        EngineStats.Snapshot before = engine.stats().snapshot();
        engine.forward(r);
        return engine.stats().snapshot().minus(before).graphExecutions();
    }

    @Test
    void logitsRequestDownloadsExactlyTheRequestedRows() {
        engine.resetCache();
        int[] ids = IntStream.range(0, 10).map(i -> (i * 37) % engine.config().vocabSize()).toArray();
        EngineStats.Snapshot before = engine.stats().snapshot();
        ForwardResult r = engine.forward(new ForwardRequest(ids, 0, new AttentionMask.Bidirectional(), false,
                new HeadRequest.Logits(new int[] {9, 2, 4}), TraceSink.NONE));
        EngineStats.Snapshot moved = engine.stats().snapshot().minus(before);
        assertEquals(3, r.logits().length);
        assertEquals(4L * 3 * engine.config().vocabSize(), moved.deviceToHostBytes());
    }
}
