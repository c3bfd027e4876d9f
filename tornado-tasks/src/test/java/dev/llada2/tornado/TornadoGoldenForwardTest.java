package dev.llada2.tornado;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.checkpoint.TensorReader;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import dev.llada2.trace.ForwardTrace;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Every forward case of {@code ../shared/golden/tiny} and {@code small}, both attention variants, on
 * the TornadoVM engine within {@code TOLERANCES.json} (fp32): logits (max and mean), embeddings,
 * layer_out, attn_out, mlp_out, final_hidden as hidden states, router ids exact and in order,
 * router weights within 1e-5, router logits as hidden states.
 * Run alone: {@code POCL_DEVICES="pthread pthread" mvn $LLADA2_MVN_TORNADO test -pl tornado-tasks
 * -Dtest=TornadoGoldenForwardTest}.
 */
class TornadoGoldenForwardTest {

    @TestFactory
    List<DynamicTest> forwardCasesMatchGolden() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : Golden.MODELS) {
            Golden g = Golden.of(model);
            for (JsonNode c : g.forwardCases()) {
                for (String variant : GoldenAssertions.VARIANTS) {
                    tests.add(DynamicTest.dynamicTest(model + "/" + c.get("id").asText() + "/" + variant,
                            () -> check(g, c, variant)));
                }
            }
        }
        return tests;
    }

    private static void check(Golden g, JsonNode c, String variant) {
        String prefix = c.get("id").asText() + "." + variant + ".";
        int[] ids = Golden.ints(c.get("input_ids"));
        TornadoEngine engine = TestEngines.engine(g.name());
        ForwardTrace trace = new ForwardTrace();
        ForwardResult r = engine.forward(new ForwardRequest(ids, 0, GoldenAssertions.mask(variant), false,
                new HeadRequest.Logits(IntStream.range(0, ids.length).toArray()), trace));
        Map<String, ForwardTrace.Tensor> got = trace.tensors();
        int vocab = engine.config().vocabSize();
        float[] logits = new float[ids.length * vocab];
        for (int i = 0; i < ids.length; i++) {
            System.arraycopy(r.logits()[i], 0, logits, i * vocab, vocab);
        }
        GoldenAssertions.hidden(prefix + "logits", g.floats(g.forwardTensor(prefix + "logits")), logits, true);
        for (String name : List.of("embeddings", "layer_out", "attn_out", "mlp_out", "final_hidden")) {
            GoldenAssertions.hidden(prefix + name, g.floats(g.forwardTensor(prefix + name)), got.get(name).floats(),
                    false);
        }
        for (int l = 0; l < engine.config().numHiddenLayers(); l++) {
            if (!engine.config().isMoeLayer(l)) {
                continue;
            }
            String router = prefix + "router.layer" + l + ".";
            assertArrayEquals(TensorReader.toInts(g.forwardTensor(router + "topk_idx")),
                    got.get("router.layer" + l + ".topk_idx").ints(), router + "topk_idx");
            GoldenAssertions.absolute(router + "topk_weight", g.floats(g.forwardTensor(router + "topk_weight")),
                    got.get("router.layer" + l + ".topk_weight").floats(), 1e-5);
            GoldenAssertions.hidden(router + "logits", g.floats(g.forwardTensor(router + "logits")),
                    got.get("router.layer" + l + ".logits").floats(), false);
        }
    }
}
