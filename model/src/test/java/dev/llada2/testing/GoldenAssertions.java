package dev.llada2.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeResult;
import dev.llada2.checkpoint.TensorReader;
import dev.llada2.golden.GoldenChecks;
import dev.llada2.golden.GoldenMismatch;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.trace.ForwardTrace;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The comparisons of {@code ../shared/golden/TOLERANCES.json}, shared by every suite that checks an
 * engine (CPU, TornadoVM, multi-device) against the golden data.
 */
public final class GoldenAssertions {

    /** Attention variants of the golden forward cases. */
    public static final String[] VARIANTS = {"block_causal", "bidirectional"};

    private GoldenAssertions() {
    }

    /** The mask of a golden variant (the golden block mask uses 32-token blocks). */
    public static AttentionMask mask(String variant) {
        return variant.equals("block_causal") ? new AttentionMask.BlockCausal(32) : new AttentionMask.Bidirectional();
    }

    /** Hidden states and logits: {@code max|d| <= 1e-4 * max(1, max|ref|)}; logits also mean {@code <= 1e-5 * ...}. */
    public static void hidden(String what, float[] ref, float[] got, boolean alsoMean) {
        assertEquals(ref.length, got.length, what + ": length");
        double maxRef = 0;
        double maxDiff = 0;
        double sumDiff = 0;
        for (int i = 0; i < ref.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            double d = Math.abs(ref[i] - got[i]);
            maxDiff = Math.max(maxDiff, Double.isNaN(d) ? Double.POSITIVE_INFINITY : d);
            sumDiff += d;
        }
        double scale = Math.max(1, maxRef);
        assertTrue(maxDiff <= 1e-4 * scale, what + ": max|d| = " + maxDiff + " > " + 1e-4 * scale);
        if (alsoMean) {
            double mean = sumDiff / ref.length;
            assertTrue(mean <= 1e-5 * scale, what + ": mean|d| = " + mean + " > " + 1e-5 * scale);
        }
    }

    /** Router weights: {@code max|d| <= tol}. */
    public static void absolute(String what, float[] ref, float[] got, double tol) {
        assertEquals(ref.length, got.length, what + ": length");
        double maxDiff = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = Math.abs(ref[i] - got[i]);
            maxDiff = Math.max(maxDiff, Double.isNaN(d) ? Double.POSITIVE_INFINITY : d);
        }
        assertTrue(maxDiff <= tol, what + ": max|d| = " + maxDiff + " > " + tol);
    }

    /**
     * Runs golden forward case {@code c} ({@code variant}: block_causal or bidirectional) on
     * {@code engine} from an empty cache and checks it against the golden tensors: logits (max and
     * mean), embeddings, layer_out, attn_out, mlp_out, final_hidden as hidden states, router ids exact
     * and in order, router weights within 1e-5, router logits as hidden states.
     */
    public static void forwardMatches(Engine engine, Golden g, JsonNode c, String variant) {
        String prefix = c.get("id").asText() + "." + variant + ".";
        int[] ids = Golden.ints(c.get("input_ids"));
        ForwardTrace trace = new ForwardTrace();
        engine.resetCache();
        ForwardResult r = engine.forward(new ForwardRequest(ids, 0, mask(variant), false,
                new HeadRequest.Logits(IntStream.range(0, ids.length).toArray()), trace));
        Map<String, ForwardTrace.Tensor> got = trace.tensors();
        int vocab = engine.config().vocabSize();
        float[] logits = new float[ids.length * vocab];
        for (int i = 0; i < ids.length; i++) {
            System.arraycopy(r.logits()[i], 0, logits, i * vocab, vocab);
        }
        hidden(prefix + "logits", g.floats(g.forwardTensor(prefix + "logits")), logits, true);
        for (String name : List.of("embeddings", "layer_out", "attn_out", "mlp_out", "final_hidden")) {
            hidden(prefix + name, g.floats(g.forwardTensor(prefix + name)), got.get(name).floats(), false);
        }
        for (int l = 0; l < engine.config().numHiddenLayers(); l++) {
            if (!engine.config().isMoeLayer(l)) {
                continue;
            }
            String router = prefix + "router.layer" + l + ".";
            assertArrayEquals(TensorReader.toInts(g.forwardTensor(router + "topk_idx")),
                    got.get("router.layer" + l + ".topk_idx").ints(), router + "topk_idx");
            absolute(router + "topk_weight", g.floats(g.forwardTensor(router + "topk_weight")),
                    got.get("router.layer" + l + ".topk_weight").floats(), 1e-5);
            hidden(router + "logits", g.floats(g.forwardTensor(router + "logits")),
                    got.get("router.layer" + l + ".logits").floats(), false);
        }
    }

    /** The decode options a golden generate case was produced with. */
    public static DecodeOptions options(JsonNode c, boolean kvCache) {
        return GoldenChecks.greedyOptions(c, kvCache);
    }

    /** The decode options a golden joint-threshold (edit) case was produced with. */
    public static DecodeOptions editOptions(JsonNode c, boolean kvCache) {
        return GoldenChecks.editOptions(c, kvCache);
    }

    /** A decode result equals a golden joint-threshold case ({@link GoldenChecks#editMatches}). */
    public static void editMatches(JsonNode c, DecodeResult r) {
        matches(() -> GoldenChecks.editMatches(c, r));
    }

    /** A decode result equals a golden greedy case ({@link GoldenChecks#greedyMatches}). */
    public static void generateMatches(JsonNode c, DecodeResult r) {
        matches(() -> GoldenChecks.greedyMatches(c, r));
    }

    /** Reports a golden mismatch as a test failure with its message. */
    private static void matches(Runnable check) {
        try {
            check.run();
        } catch (GoldenMismatch e) {
            fail(e.getMessage());
        }
    }
}
