package dev.llada2.tornado;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.backend.DeviceId;
import dev.llada2.backend.DeviceInfo;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.EngineStats;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code tiny} model as a two-stage pipeline over two TornadoVM devices (with
 * {@code POCL_DEVICES="pthread pthread"}: tornado:0:0 holds the embedding and layers 0-1, tornado:0:1
 * layer 2, the final norm and the LM head; each layer's KV cache on its device; the host hands the
 * residual stream over): logits bit-identical to the single-device engine, the hand-off counted, and
 * a greedy golden case reproduced with the KV cache. Fails, naming the devices found, when TornadoVM
 * reports fewer than two devices.
 */
class TornadoPipelineTest {

    private static TornadoEngine pipeline;

    @BeforeAll
    static void create() {
        List<DeviceInfo> devices = TornadoDevices.list();
        assertTrue(devices.size() >= 2, "the pipeline test needs two TornadoVM devices (run with"
                + " POCL_DEVICES=\"pthread pthread\"); TornadoVM reports " + devices);
        LoadedModel m = TestEngines.model("tiny");
        pipeline = new TornadoEngine(m.weights(), List.of(devices.get(0).id(), devices.get(1).id()),
                new int[] {0, 0, 1}, TornadoEngineOptions.defaults(m.config()));
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @Test
    void placedOnTwoDevices() {
        assertTrue(pipeline.describe().contains("tornado:0:0") && pipeline.describe().contains("tornado:0:1"),
                pipeline.describe());
        // one graph per device for its layers: the first with the embedding, the second uploads the residual stream
        // and ends with the head
        assertTrue(pipeline.taskNames().contains("embedding_layers0_1.layer1_combine"), pipeline.taskNames().toString());
        assertTrue(pipeline.taskNames().containsAll(List.of("layers2_2_head.layer2_combine", "layers2_2_head.lm_head")),
                pipeline.taskNames().toString());
        assertEquals(List.of(new DeviceId("tornado", 0, 0), new DeviceId("tornado", 0, 1)),
                List.of(TornadoDevices.list().get(0).id(), TornadoDevices.list().get(1).id()));
    }

    @Test
    void logitsEqualTheSingleDeviceEngine() {
        TornadoEngine single = TestEngines.engine("tiny");
        int[] ids = Golden.ints(Golden.of("tiny").forwardCases().get(1).get("input_ids"));
        int[] rows = IntStream.range(0, ids.length).toArray();
        ForwardRequest request = new ForwardRequest(ids, 0, new AttentionMask.BlockCausal(32), false,
                new HeadRequest.Logits(rows), TraceSink.NONE);
        pipeline.resetCache();
        EngineStats.Snapshot before = pipeline.stats().snapshot();
        ForwardResult got = pipeline.forward(request);
        EngineStats.Snapshot moved = pipeline.stats().snapshot().minus(before);
        ForwardResult want = single.forward(request);
        for (int i = 0; i < rows.length; i++) {
            assertArrayEquals(want.logits()[i], got.logits()[i], "row " + i);
        }
        assertEquals(4L * ids.length * pipeline.config().hiddenSize(), moved.handoffBytes(),
                "the residual stream of the pass crosses once");
    }

    @Test
    void greedyGoldenCaseWithTheCacheSplitOverTwoDevices() {
        for (JsonNode c : Golden.of("tiny").generateCases()) {
            if (c.get("id").asText().equals("gen14")) {
                GoldenAssertions.generateMatches(c, TornadoGoldenGenerateTest.generate(pipeline, c, true));
            }
        }
    }
}
