package dev.llada2.golden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.decode.BlockDiffusionDecoder;
import dev.llada2.decode.DecodeListener;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeResult;
import dev.llada2.decode.EngineDenoiser;
import dev.llada2.decode.StepRecord;
import dev.llada2.runtime.Engine;

import java.util.Arrays;
import java.util.Objects;

/**
 * Golden decode cases against an engine (greedy and joint-threshold traces are exact targets, see
 * {@code ../shared/golden/README.md}): the options a case was produced with, the run, and the
 * comparison of every forward, the counts, the ids and the canvas. The test suites and
 * {@code llada2 golden} (which checks a device where no test harness exists) share it.
 */
public final class GoldenChecks {

    private GoldenChecks() {
    }

    /** The decode options a golden greedy generate case was produced with. */
    public static DecodeOptions greedyOptions(JsonNode c, boolean kvCache) {
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

    /** Decodes the case's prompt on {@code engine} with {@code o}. */
    public static DecodeResult run(Engine engine, JsonNode c, DecodeOptions o) {
        return BlockDiffusionDecoder.of(new EngineDenoiser(engine, o.kvCache()), o)
                .generate(ints(c.get("prompt")), DecodeListener.NONE);
    }

    /**
     * A decode result equals a golden greedy case: every step, the forward count, the ids, the canvas.
     *
     * @throws GoldenMismatch naming the first difference
     */
    public static void greedyMatches(JsonNode c, DecodeResult r) {
        stepsMatch(c, r, (want, got, at) -> {
            equal(want.get("step").asInt(), got.step(), at + " step");
            equal(ints(want.get("committed_positions")), got.committedPositions(), at + " positions");
            equal(ints(want.get("committed_tokens")), got.committedTokens(), at + " tokens");
            equal(want.get("path").asText(), got.path(), at + " path");
        });
        resultMatches(c, r, c.get("n_forward_calls").asInt());
    }

    /**
     * A decode result equals a golden joint-threshold case: per forward the block, iteration, M2T
     * positions and tokens, fallback or not, T2T positions with old and new tokens, and action; the
     * forward and edit counts; the ids; the canvas.
     *
     * @throws GoldenMismatch naming the first difference
     */
    public static void editMatches(JsonNode c, DecodeResult r) {
        stepsMatch(c, r, (want, got, at) -> {
            equal(want.get("iteration").asInt(), got.step(), at + " iteration");
            equal(ints(want.get("m2t_positions")), got.committedPositions(), at + " M2T positions");
            equal(ints(want.get("m2t_tokens")), got.committedTokens(), at + " M2T tokens");
            equal(want.get("m2t_fallback").asBoolean(), got.path().equals("fallback"), at + " M2T fallback");
            equal(ints(want.get("t2t_positions")), got.editedPositions(), at + " T2T positions");
            equal(ints(want.get("t2t_old")), got.editedFrom(), at + " T2T old tokens");
            equal(ints(want.get("t2t_new")), got.editedTo(), at + " T2T new tokens");
            equal(want.get("action").asText(), got.action().label(), at + " action");
        });
        equal(c.get("n_t2t_edits").asInt(), r.edits(), c.get("id").asText() + " edit count");
        resultMatches(c, r, c.get("n_forwards").asInt());
    }

    /** A JSON array of integers. */
    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
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
            equal(steps.get(j).get("block").asInt(), r.steps().get(j).block(), at + " block");
            check.check(steps.get(j), r.steps().get(j), at);
        }
    }

    /** The forward count, the returned ids and the final canvas. */
    private static void resultMatches(JsonNode c, DecodeResult r, int forwards) {
        String id = c.get("id").asText();
        equal(forwards, r.forwards(), id + " forward count");
        equal(ints(c.get("generated_ids")), r.generatedIds(), id + " generated ids");
        equal(ints(c.get("final_canvas")), r.finalCanvas(), id + " final canvas");
    }

    private static void equal(Object want, Object got, String what) {
        if (!Objects.equals(want, got)) {
            throw new GoldenMismatch(what + ": expected " + want + " but was " + got);
        }
    }

    private static void equal(int[] want, int[] got, String what) {
        if (!Arrays.equals(want, got)) {
            throw new GoldenMismatch(what + ": expected " + Arrays.toString(want) + " but was " + Arrays.toString(got));
        }
    }
}
