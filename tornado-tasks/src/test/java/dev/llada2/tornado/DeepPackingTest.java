package dev.llada2.tornado;

import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.EngineStats;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.testing.GgufModels;
import dev.llada2.tornado.graphs.BuiltGraph;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layers of LLaDA2.0-mini (20) and -flash (32) on one device, packed into TornadoVM graphs, and the
 * graph executions of a greedy forward (the head's first chunk of rows runs in the last layers' graph
 * when it fits there, a separate graph otherwise): a random
 * model of their structure (layer 0 dense, then MoE layers of 256 experts top-8 in 8 groups of which 4
 * are chosen, a shared expert; 16 query and 4 KV heads, head_dim × heads = hidden) with small widths.
 * How many layers a graph takes depends on the numbers of tasks, kernel parameters, buffers and distinct
 * scalars, not on the widths, so these are the real models' graph counts; the engine's warm-up pass ran
 * every graph, and each graph's node count is TornadoVM's own ({@link GraphNodeCountTest}).
 */
class DeepPackingTest {

    @TempDir
    static Path tmp;

    @ParameterizedTest(name = "{0} layers: at most {1} graph executions per greedy forward")
    @CsvSource({"20, 3", "32, 5"})
    void packsTheLayersIntoFewGraphs(int layers, int maxExecutions) {
        Path dir = GgufModels.randomModel(tmp.resolve("layers" + layers), "{\"num_hidden_layers\": " + layers
                + ", \"max_window_layers\": " + layers + ", \"hidden_size\": 256, \"intermediate_size\": 320,"
                + " \"moe_intermediate_size\": 32, \"num_attention_heads\": 16, \"num_key_value_heads\": 4,"
                + " \"head_dim\": 16, \"num_experts\": 256, \"num_experts_per_tok\": 8, \"n_group\": 8,"
                + " \"topk_group\": 4}");
        try (LoadedModel m = LoadedModel.open(dir);
             TornadoEngine e = new TornadoEngine(m.weights(), TestEngines.device(),
                     TornadoEngineOptions.defaults(m.config()))) {
            assertEquals(1, e.stages().size());
            List<BuiltGraph> graphs = e.stages().getFirst().plan().graphs();
            String counts = graphs.stream().map(g -> g.name() + ": " + g.graphNodes() + " nodes, "
                    + g.tasks().size() + " tasks").toList().toString();
            System.out.println(layers + " layers: " + counts);
            EngineStats.Snapshot before = e.stats().snapshot();
            e.forward(new ForwardRequest(new int[] {1, 2, 3, 4}, 0, new AttentionMask.Bidirectional(), false,
                    new HeadRequest.Greedy(new int[] {3}), TraceSink.NONE));
            long executions = e.stats().snapshot().minus(before).graphExecutions();
            assertTrue(executions <= maxExecutions, layers + " layers: " + executions + " graph executions, graphs "
                    + counts);
            GraphNodeCountTest.assertCountsExact(e);
        }
    }
}
