package dev.llada2.tornado;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.backend.DeviceId;
import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.errors.LladaException;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import dev.llada2.trace.ForwardTrace;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine at its limits, on the {@code tiny} model: the large weights split over several device
 * buffers (32 KiB parts: 2 each for the embedding table, lm_head and every expert projection, one
 * task per part) and passes of at most 32 tokens, so that whole windows, prompts and the 70-token golden
 * forward run block by block against the device cache; each checked against the golden data; a
 * 300-token forward whose last queries' attention is split over keys and merged, against the CPU
 * engine. Also the clear errors: an unknown device, a model larger than the memory it may use, a bidirectional forward
 * longer than a pass, a trace of a multi-pass forward.
 */
class TornadoEngineLimitsTest {

    private static TornadoEngine split;

    @BeforeAll
    static void create() {
        LoadedModel m = TestEngines.model("tiny");
        split = new TornadoEngine(m.weights(), TestEngines.device(),
                TornadoEngineOptions.defaults(m.config()).withMaxTokens(32).withMaxPartBytes(32 * 1024));
    }

    @AfterAll
    static void close() {
        split.close();
    }

    @Test
    void largeWeightsAreSplitIntoParts() {
        List<String> tasks = split.taskNames();
        for (String t : List.of("embedding_layers0_2_head.gather_p1", "embedding_layers0_2_head.layer1_expert_gate_up_p1",
                "embedding_layers0_2_head.layer1_expert_down_p1", "embedding_layers0_2_head.lm_head_p1",
                "head_more_rows.lm_head_p1")) {
            assertTrue(tasks.contains(t), t + " in " + tasks);
        }
    }

    @Test
    void blockCausalForwardLongerThanAPassRunsBlockByBlock() {
        Golden g = Golden.of("tiny");
        for (JsonNode c : g.forwardCases()) {
            int[] ids = Golden.ints(c.get("input_ids"));
            split.resetCache();
            ForwardResult r = split.forward(new ForwardRequest(ids, 0, new AttentionMask.BlockCausal(32), false,
                    new HeadRequest.Logits(IntStream.range(0, ids.length).toArray()), TraceSink.NONE));
            int vocab = split.config().vocabSize();
            float[] logits = new float[ids.length * vocab];
            for (int i = 0; i < ids.length; i++) {
                System.arraycopy(r.logits()[i], 0, logits, i * vocab, vocab);
            }
            String key = c.get("id").asText() + ".block_causal.logits";
            GoldenAssertions.hidden(key + " (" + ids.length + " tokens in passes of 32)", g.floats(g.forwardTensor(key)),
                    logits, true);
        }
    }

    @Test
    void greedyGenerationWithSplitWeightsAndShortPasses() {
        for (JsonNode c : Golden.of("tiny").generateCases()) {
            String id = c.get("id").asText();
            if (c.get("sampler").asText().equals("greedy") && (id.equals("gen3") || id.equals("gen17"))) {
                GoldenAssertions.generateMatches(c, TornadoGoldenGenerateTest.generate(split, c, true));
                GoldenAssertions.generateMatches(c, TornadoGoldenGenerateTest.generate(split, c, false));
            }
        }
    }

    /**
     * A 300-token block-causal forward (passes of 32 against the device cache): the queries of
     * positions 256.. see more than {@link dev.llada2.tornado.graphs.Grids#ATTENTION_SPLIT_KEYS} keys,
     * so their attention runs in two splits merged by {@code attention_merge}, the earlier ones in one
     * split; every row's logits against the CPU engine's within the golden fp32 tolerance (the golden
     * cases stay under 256 positions).
     */
    @Test
    void queriesPastOneSplitOfKeysAreMerged() {
        int[] ids = IntStream.range(0, 300).map(i -> (i * 37) % 500).toArray();
        ForwardRequest r = new ForwardRequest(ids, 0, new AttentionMask.BlockCausal(32), false,
                new HeadRequest.Logits(IntStream.range(0, ids.length).toArray()), TraceSink.NONE);
        split.resetCache();
        ForwardResult got = split.forward(r);
        try (Engine cpu = CpuEngine.singleDevice(TestEngines.model("tiny").weights())) {
            ForwardResult want = cpu.forward(r);
            for (int i = 0; i < ids.length; i++) {
                GoldenAssertions.hidden("row " + i + " of 300", want.logits()[i], got.logits()[i], false);
            }
        }
    }

    @Test
    void bidirectionalForwardLongerThanAPassIsRefused() {
        split.resetCache();
        LladaException e = assertThrows(LladaException.class, () -> split.forward(new ForwardRequest(new int[40], 0,
                new AttentionMask.Bidirectional(), false, HeadRequest.none(), TraceSink.NONE)));
        assertTrue(e.getMessage().contains("bidirectional forward of 40 tokens exceeds"), e.getMessage());
    }

    @Test
    void traceOfAMultiPassForwardIsRefused() {
        split.resetCache();
        LladaException e = assertThrows(LladaException.class, () -> split.forward(new ForwardRequest(new int[40], 0,
                new AttentionMask.BlockCausal(32), false, HeadRequest.none(), new ForwardTrace())));
        assertTrue(e.getMessage().contains("tracing a forward of 40 tokens"), e.getMessage());
    }

    @Test
    void unknownDeviceIsNamed() {
        LladaException e = assertThrows(LladaException.class, () -> new TornadoEngine(
                TestEngines.model("tiny").weights(), DeviceId.parse("tornado:9:9")));
        assertTrue(e.getMessage().contains("TornadoVM device tornado:9:9 does not exist")
                && e.getMessage().contains("tornado:0:0"), e.getMessage());
    }

    @Test
    void modelTooBigNamesTheTensorAndTheLimit() {
        LoadedModel m = TestEngines.model("tiny");
        LladaException e = assertThrows(LladaException.class, () -> new TornadoEngine(m.weights(),
                TestEngines.device(), TornadoEngineOptions.defaults(m.config()).withMaxDeviceBytes(300_000)));
        assertEquals(LladaException.Kind.RUNTIME, e.kind());
        assertTrue(e.getMessage().contains("does not fit on tornado:0:0")
                && e.getMessage().contains("model.layers.") && e.getMessage().contains("maxDeviceBytes"),
                e.getMessage());
    }
}
