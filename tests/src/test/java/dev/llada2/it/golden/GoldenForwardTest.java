package dev.llada2.it.golden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.checkpoint.TensorInfo;
import dev.llada2.checkpoint.TensorReader;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.trace.ForwardTrace;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every forward case of {@code ../shared/golden/tiny} and {@code small}, both attention variants,
 * on the CPU engine, within {@code ../shared/golden/TOLERANCES.json}: logits, embeddings,
 * layer_out, attn_out, mlp_out and final_hidden within 1e-4 x max(1, max|ref|) (logits also mean
 * 1e-5 x ...), router ids exact in order, router weights within 1e-5, router logits as hidden states.
 * Run alone: {@code ./run-tests -pl tests -Dtest=GoldenForwardTest}.
 */
class GoldenForwardTest {

    static final String[] VARIANTS = {"block_causal", "bidirectional"};

    @TestFactory
    List<DynamicTest> forwardCasesMatchGolden() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : Golden.MODELS) {
            Golden g = Golden.of(model);
            for (JsonNode c : g.forwardCases()) {
                for (String variant : VARIANTS) {
                    String id = c.get("id").asText();
                    tests.add(DynamicTest.dynamicTest(model + "/" + id + "/" + variant, () -> check(g, c, variant)));
                }
            }
        }
        return tests;
    }

    /** The mask of each golden variant (the golden block mask uses 32-token blocks). */
    public static AttentionMask mask(String variant) {
        return variant.equals("block_causal") ? new AttentionMask.BlockCausal(32) : new AttentionMask.Bidirectional();
    }

    static void check(Golden g, JsonNode c, String variant) {
        String prefix = c.get("id").asText() + "." + variant + ".";
        int[] ids = Golden.ints(c.get("input_ids"));
        try (LoadedModel model = LoadedModel.open(g.modelDir()); Engine engine = CpuEngine.singleDevice(model.weights())) {
            ForwardTrace trace = new ForwardTrace();
            int[] all = IntStream.range(0, ids.length).toArray();
            ForwardResult r = engine.forward(new ForwardRequest(ids, 0, mask(variant), false,
                    new HeadRequest.Logits(all), trace));
            Map<String, ForwardTrace.Tensor> got = trace.tensors();
            int vocab = model.config().vocabSize();
            float[] logits = new float[ids.length * vocab];
            for (int i = 0; i < ids.length; i++) {
                System.arraycopy(r.logits()[i], 0, logits, i * vocab, vocab);
            }
            Compare.hidden(prefix + "logits", g.floats(g.forwardTensor(prefix + "logits")), logits, true);
            for (String name : List.of("embeddings", "layer_out", "attn_out", "mlp_out", "final_hidden")) {
                Compare.hidden(prefix + name, g.floats(g.forwardTensor(prefix + name)), got.get(name).floats(), false);
            }
            for (int l = 0; l < model.config().numHiddenLayers(); l++) {
                if (!model.config().isMoeLayer(l)) {
                    continue;
                }
                String router = prefix + "router.layer" + l + ".";
                TensorInfo idx = g.forwardTensor(router + "topk_idx");
                assertArrayEquals(TensorReader.toInts(idx), got.get("router.layer" + l + ".topk_idx").ints(),
                        router + "topk_idx");
                Compare.absolute(router + "topk_weight", g.floats(g.forwardTensor(router + "topk_weight")),
                        got.get("router.layer" + l + ".topk_weight").floats(), 1e-5);
                Compare.hidden(router + "logits", g.floats(g.forwardTensor(router + "logits")),
                        got.get("router.layer" + l + ".logits").floats(), false);
            }
        }
    }

    /** Tolerance checks of TOLERANCES.json. */
    static final class Compare {
        static void hidden(String what, float[] ref, float[] got, boolean alsoMean) {
            assertTrue(ref.length == got.length, what + ": length " + got.length + ", expected " + ref.length);
            double maxRef = 0;
            double maxDiff = 0;
            double sumDiff = 0;
            for (int i = 0; i < ref.length; i++) {
                maxRef = Math.max(maxRef, Math.abs(ref[i]));
                double d = Math.abs(ref[i] - got[i]);
                maxDiff = Math.max(maxDiff, d);
                sumDiff += d;
            }
            double scale = Math.max(1, maxRef);
            assertTrue(maxDiff <= 1e-4 * scale, what + ": max|d| = " + maxDiff + " > " + 1e-4 * scale);
            if (alsoMean) {
                double mean = sumDiff / ref.length;
                assertTrue(mean <= 1e-5 * scale, what + ": mean|d| = " + mean + " > " + 1e-5 * scale);
            }
        }

        static void absolute(String what, float[] ref, float[] got, double tol) {
            assertTrue(ref.length == got.length, what + ": length " + got.length + ", expected " + ref.length);
            double maxDiff = 0;
            for (int i = 0; i < ref.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i]));
            }
            assertTrue(maxDiff <= tol, what + ": max|d| = " + maxDiff + " > " + tol);
        }
    }
}
