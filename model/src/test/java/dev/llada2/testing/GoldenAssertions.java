package dev.llada2.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeResult;
import dev.llada2.decode.StepRecord;
import dev.llada2.runtime.AttentionMask;

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

    /** The decode options a golden generate case was produced with. */
    public static DecodeOptions options(JsonNode c, boolean kvCache) {
        JsonNode k = c.get("generate_kwargs");
        return new DecodeOptions(k.get("gen_length").asInt(), k.get("block_length").asInt(), k.get("steps").asInt(),
                k.get("threshold").asDouble(), k.get("minimal_topk").asInt(), 0.0, 0, 1.0, 0L,
                k.get("eos_id").asInt(), k.get("mask_id").asInt(), k.get("eos_early_stop").asBoolean(), kvCache);
    }

    /** A decode result equals a golden greedy case: every step, the forward count, the ids, the canvas. */
    public static void generateMatches(JsonNode c, DecodeResult r) {
        String id = c.get("id").asText();
        JsonNode steps = c.get("steps");
        int n = Math.min(steps.size(), r.steps().size());
        for (int j = 0; j < n; j++) {
            JsonNode want = steps.get(j);
            StepRecord got = r.steps().get(j);
            String at = id + " forward " + j;
            assertEquals(want.get("block").asInt(), got.block(), at + " block");
            assertEquals(want.get("step").asInt(), got.step(), at + " step");
            assertArrayEquals(Golden.ints(want.get("committed_positions")), got.committedPositions(), at + " positions");
            assertArrayEquals(Golden.ints(want.get("committed_tokens")), got.committedTokens(), at + " tokens");
            assertEquals(want.get("path").asText(), got.path(), at + " path");
        }
        assertEquals(c.get("n_forward_calls").asInt(), r.forwards(), id + " forward count");
        assertArrayEquals(Golden.ints(c.get("generated_ids")), r.generatedIds(), id + " generated ids");
        assertArrayEquals(Golden.ints(c.get("final_canvas")), r.finalCanvas(), id + " final canvas");
    }
}
