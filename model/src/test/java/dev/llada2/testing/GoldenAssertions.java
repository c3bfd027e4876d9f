package dev.llada2.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeResult;
import dev.llada2.decode.StepRecord;
import dev.llada2.checkpoint.TensorReader;
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
        JsonNode k = c.get("generate_kwargs");
        return new DecodeOptions(k.get("gen_length").asInt(), k.get("block_length").asInt(), k.get("steps").asInt(),
                k.get("threshold").asDouble(), k.get("minimal_topk").asInt(), 0.0, 0, 1.0, 0L,
                k.get("eos_id").asInt(), k.get("mask_id").asInt(), k.get("eos_early_stop").asBoolean(), kvCache);
    }

    /** The decode options a golden joint-threshold (edit) case was produced with. */
    public static DecodeOptions editOptions(JsonNode c, boolean kvCache) {
        int block = c.get("block_length").asInt();
        return new DecodeOptions(c.get("gen_length").asInt(), block, block, c.get("threshold").asDouble(), 1, 0.0, 0,
                1.0, 0L, c.get("eos_id").asInt(), c.get("mask_id").asInt(), false, kvCache)
                .withJoint(c.get("edit_threshold").asDouble(), c.get("max_post_edit_steps").asInt(),
                        c.get("penalty_lambda").asDouble());
    }

    /**
     * A decode result equals a golden joint-threshold case: per forward the block, iteration, M2T
     * positions and tokens, fallback or not, T2T positions with old and new tokens, and action; the
     * forward and edit counts; the ids; the canvas.
     */
    public static void editMatches(JsonNode c, DecodeResult r) {
        stepsMatch(c, r, (want, got, at) -> {
            assertEquals(want.get("iteration").asInt(), got.step(), at + " iteration");
            assertArrayEquals(Golden.ints(want.get("m2t_positions")), got.committedPositions(), at + " M2T positions");
            assertArrayEquals(Golden.ints(want.get("m2t_tokens")), got.committedTokens(), at + " M2T tokens");
            assertEquals(want.get("m2t_fallback").asBoolean(), got.path().equals("fallback"), at + " M2T fallback");
            assertArrayEquals(Golden.ints(want.get("t2t_positions")), got.editedPositions(), at + " T2T positions");
            assertArrayEquals(Golden.ints(want.get("t2t_old")), got.editedFrom(), at + " T2T old tokens");
            assertArrayEquals(Golden.ints(want.get("t2t_new")), got.editedTo(), at + " T2T new tokens");
            assertEquals(want.get("action").asText(), got.action().label(), at + " action");
        });
        assertEquals(c.get("n_t2t_edits").asInt(), r.edits(), c.get("id").asText() + " edit count");
        resultMatches(c, r, c.get("n_forwards").asInt());
    }

    /** A decode result equals a golden greedy case: every step, the forward count, the ids, the canvas. */
    public static void generateMatches(JsonNode c, DecodeResult r) {
        stepsMatch(c, r, (want, got, at) -> {
            assertEquals(want.get("step").asInt(), got.step(), at + " step");
            assertArrayEquals(Golden.ints(want.get("committed_positions")), got.committedPositions(), at + " positions");
            assertArrayEquals(Golden.ints(want.get("committed_tokens")), got.committedTokens(), at + " tokens");
            assertEquals(want.get("path").asText(), got.path(), at + " path");
        });
        resultMatches(c, r, c.get("n_forward_calls").asInt());
    }

    /** Compares one recorded forward with one step record; {@code at} names the forward. */
    private interface StepCheck {
        void check(JsonNode want, StepRecord got, String at);
    }

    /** Each recorded forward against the result's, in order (the block and the case's own fields). */
    private static void stepsMatch(JsonNode c, DecodeResult r, StepCheck check) {
        String id = c.get("id").asText();
        JsonNode steps = c.get("steps");
        int n = Math.min(steps.size(), r.steps().size());
        for (int j = 0; j < n; j++) {
            String at = id + " forward " + j;
            assertEquals(steps.get(j).get("block").asInt(), r.steps().get(j).block(), at + " block");
            check.check(steps.get(j), r.steps().get(j), at);
        }
    }

    /** The forward count, the returned ids and the final canvas. */
    private static void resultMatches(JsonNode c, DecodeResult r, int forwards) {
        String id = c.get("id").asText();
        assertEquals(forwards, r.forwards(), id + " forward count");
        assertArrayEquals(Golden.ints(c.get("generated_ids")), r.generatedIds(), id + " generated ids");
        assertArrayEquals(Golden.ints(c.get("final_canvas")), r.finalCanvas(), id + " final canvas");
    }
}
