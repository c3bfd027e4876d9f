package dev.llada2.tornado;

import dev.llada2.tornado.graphs.BuiltGraph;
import dev.llada2.tornado.plan.Stage;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code GraphBuilder.graphNodes()} is exactly the number of nodes TornadoVM builds for each graph of an
 * engine (read from TornadoVM by {@link TornadoGraphNodes}), so packing layers up to
 * {@code GRAPH_NODE_CAPACITY} never overflows TornadoVM's fixed graph.
 */
class GraphNodeCountTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny", "small"})
    void countsEveryNodeTornadoVmBuilds(String model) {
        LoadedModel m = TestEngines.model(model);
        try (TornadoEngine e = new TornadoEngine(m.weights(), TestEngines.device(),
                TornadoEngineOptions.defaults(m.config()))) {
            assertCountsExact(e);
        }
    }

    /** Every graph of every stage of {@code e} (after its warm-up pass ran them all). */
    static void assertCountsExact(TornadoEngine e) {
        for (Stage s : e.stages()) {
            for (BuiltGraph g : s.plan().graphs()) {
                assertEquals(TornadoGraphNodes.of(g), g.graphNodes(), "nodes of graph " + g.name());
            }
        }
    }
}
