package dev.llada2.it.golden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.checkpoint.TensorInfo;
import dev.llada2.checkpoint.TensorReader;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import dev.llada2.trace.ForwardTrace;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Every forward case of {@code ../shared/golden/tiny} and {@code small}, both attention variants,
 * on the CPU engine, within {@code ../shared/golden/TOLERANCES.json}: logits, embeddings,
 * layer_out, attn_out, mlp_out and final_hidden within 1e-4 x max(1, max|ref|) (logits also mean
 * 1e-5 x ...), router ids exact in order, router weights within 1e-5, router logits as hidden states.
 * Run alone: {@code ./run-tests -pl tests -Dtest=GoldenForwardTest}.
 */
class GoldenForwardTest {

    @TestFactory
    List<DynamicTest> forwardCasesMatchGolden() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : Golden.MODELS) {
            Golden g = Golden.of(model);
            for (JsonNode c : g.forwardCases()) {
                for (String variant : GoldenAssertions.VARIANTS) {
                    String id = c.get("id").asText();
                    tests.add(DynamicTest.dynamicTest(model + "/" + id + "/" + variant, () -> check(g, c, variant)));
                }
            }
        }
        return tests;
    }

    static void check(Golden g, JsonNode c, String variant) {
        String prefix = c.get("id").asText() + "." + variant + ".";
        int[] ids = Golden.ints(c.get("input_ids"));
        try (LoadedModel model = LoadedModel.open(g.modelDir()); Engine engine = CpuEngine.singleDevice(model.weights())) {
            ForwardTrace trace = new ForwardTrace();
            int[] all = IntStream.range(0, ids.length).toArray();
            ForwardResult r = engine.forward(new ForwardRequest(ids, 0, GoldenAssertions.mask(variant), false,
                    new HeadRequest.Logits(all), trace));
            Map<String, ForwardTrace.Tensor> got = trace.tensors();
            int vocab = model.config().vocabSize();
            float[] logits = new float[ids.length * vocab];
            for (int i = 0; i < ids.length; i++) {
                System.arraycopy(r.logits()[i], 0, logits, i * vocab, vocab);
            }
            GoldenAssertions.hidden(prefix + "logits", g.floats(g.forwardTensor(prefix + "logits")), logits, true);
            for (String name : List.of("embeddings", "layer_out", "attn_out", "mlp_out", "final_hidden")) {
                GoldenAssertions.hidden(prefix + name, g.floats(g.forwardTensor(prefix + name)), got.get(name).floats(), false);
            }
            for (int l = 0; l < model.config().numHiddenLayers(); l++) {
                if (!model.config().isMoeLayer(l)) {
                    continue;
                }
                String router = prefix + "router.layer" + l + ".";
                TensorInfo idx = g.forwardTensor(router + "topk_idx");
                assertArrayEquals(TensorReader.toInts(idx), got.get("router.layer" + l + ".topk_idx").ints(),
                        router + "topk_idx");
                GoldenAssertions.absolute(router + "topk_weight", g.floats(g.forwardTensor(router + "topk_weight")),
                        got.get("router.layer" + l + ".topk_weight").floats(), 1e-5);
                GoldenAssertions.hidden(router + "logits", g.floats(g.forwardTensor(router + "logits")),
                        got.get("router.layer" + l + ".logits").floats(), false);
            }
        }
    }
}
