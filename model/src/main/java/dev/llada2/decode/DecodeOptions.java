package dev.llada2.decode;

import dev.llada2.errors.LladaException;

/**
 * Options of block-diffusion decoding (spec §6.1), validated. Defaults are the paper's recommended
 * decode (temperature 0, block 32, steps 32, threshold 0.95) with {@link #DEFAULT_GEN_LENGTH} new
 * tokens and EOS early stop on.
 *
 * @param genLength        tokens to generate (the canvas holds prompt + genLength, rounded up to blocks)
 * @param blockLength      tokens per diffusion block
 * @param steps            denoising steps per block (capped at genLength / minimalTopk, as officially); threshold
 *                         rule only
 * @param threshold        commit every masked position whose confidence is strictly above this
 * @param minimalTopk      caps {@code steps} at {@code genLength / minimalTopk}; threshold rule only
 * @param temperature      0 = greedy; otherwise sampling with {@code topK}, {@code topP}
 * @param topK             keep the k largest logits (0 = off)
 * @param topP             nucleus cut-off (1 = off)
 * @param seed             sampling seed (Java's SplittableRandom: reproducible in this engine)
 * @param eosId            end-of-sequence id, or -1 for no EOS handling at all
 * @param maskId           the mask token id
 * @param eosEarlyStop     stop as soon as a committed EOS has no mask before it (the official function's
 *                         default is false: stop only after the block holding an EOS is finished); threshold
 *                         rule only, since under the joint rule no token is final before its block is
 * @param kvCache          use the exact prefix KV cache (identical output, far fewer FLOPs)
 * @param decoding         which rule decides what each forward writes
 * @param editThreshold    joint rule: rewrite a generated token whose prediction changed with a confidence
 *                         strictly above this
 * @param maxPostEditSteps joint rule: forwards a block may run after its last mask is filled
 * @param penaltyLambda    subtracted from the logit of the token at the previous row of the block (row 0
 *                         excepted) before the token choice; 0 = off
 */
public record DecodeOptions(int genLength, int blockLength, int steps, double threshold, int minimalTopk,
                            double temperature, int topK, double topP, long seed, int eosId, int maskId,
                            boolean eosEarlyStop, boolean kvCache, Decoding decoding, double editThreshold,
                            int maxPostEditSteps, double penaltyLambda) {

    public static final int DEFAULT_GEN_LENGTH = 256;
    public static final int DEFAULT_BLOCK_LENGTH = 32;
    public static final int DEFAULT_STEPS = 32;
    public static final double DEFAULT_THRESHOLD = 0.95;
    /** The joint rule's mask-to-token threshold: SGLang's JointThreshold default, LLaDA2.1's speedy setting. */
    public static final double DEFAULT_JOINT_THRESHOLD = 0.5;
    public static final double DEFAULT_EDIT_THRESHOLD = 0.0;
    public static final int DEFAULT_MAX_POST_EDIT_STEPS = 16;
    public static final double DEFAULT_PENALTY_LAMBDA = 0.0;

    /** The two decoding rules (spec §6.1 and §6.4). */
    public enum Decoding {
        /** LLaDA2.0: commit masked positions above the threshold, else the most confident; never revise. */
        THRESHOLD,
        /** LLaDA2.1: mask-to-token above the threshold plus token-to-token edits above the edit threshold. */
        JOINT;

        /** The name the command line and the JSON output use. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public DecodeOptions {
        require(genLength >= 1, "--gen-length must be >= 1, got " + genLength);
        require(blockLength >= 1, "--block-length must be >= 1, got " + blockLength);
        require(steps >= 1, "--steps must be >= 1, got " + steps);
        require(minimalTopk >= 1, "--minimal-topk must be >= 1, got " + minimalTopk);
        require(threshold >= 0 && threshold <= 1, "--threshold must be in [0, 1], got " + threshold);
        require(temperature >= 0 && Double.isFinite(temperature), "--temperature must be >= 0, got " + temperature);
        require(topK >= 0, "--top-k must be >= 0 (0 = off), got " + topK);
        require(topP > 0 && topP <= 1, "--top-p must be in (0, 1], got " + topP);
        require(maskId >= 0, "--mask-id must be >= 0, got " + maskId);
        require(eosId >= -1, "--eos-id must be >= 0 (or disabled), got " + eosId);
        require(eosId != maskId, "the EOS id and the mask id are both " + maskId);
        require(decoding != null, "a decoding rule is required");
        require(editThreshold >= 0 && editThreshold <= 1, "--edit-threshold must be in [0, 1], got " + editThreshold);
        require(maxPostEditSteps >= 0, "--max-post-edit-steps must be >= 0, got " + maxPostEditSteps);
        require(penaltyLambda >= 0 && Double.isFinite(penaltyLambda), "--penalty-lambda must be >= 0, got "
                + penaltyLambda);
    }

    /** Threshold decoding (LLaDA2.0) with these options, no penalty. */
    public DecodeOptions(int genLength, int blockLength, int steps, double threshold, int minimalTopk,
                         double temperature, int topK, double topP, long seed, int eosId, int maskId,
                         boolean eosEarlyStop, boolean kvCache) {
        this(genLength, blockLength, steps, threshold, minimalTopk, temperature, topK, topP, seed, eosId, maskId,
                eosEarlyStop, kvCache, Decoding.THRESHOLD, DEFAULT_EDIT_THRESHOLD, DEFAULT_MAX_POST_EDIT_STEPS,
                DEFAULT_PENALTY_LAMBDA);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw LladaException.input(message);
        }
    }

    /** Defaults with the model's ids. */
    public static DecodeOptions defaults(int eosId, int maskId) {
        return new DecodeOptions(DEFAULT_GEN_LENGTH, DEFAULT_BLOCK_LENGTH, DEFAULT_STEPS, DEFAULT_THRESHOLD, 1,
                0.0, 0, 1.0, 0L, eosId, maskId, true, true);
    }

    /**
     * Sequence positions a generation from a {@code promptLength}-token prompt uses: the canvas is
     * whole blocks from position 0, prompt plus answer rounded up.
     */
    public int positions(int promptLength) {
        return (promptLength + genLength + blockLength - 1) / blockLength * blockLength;
    }

    public boolean eosEnabled() {
        return eosId >= 0;
    }

    public boolean greedy() {
        return temperature == 0.0;
    }

    /** Steps per block as the official code computes them: {@code min(steps, genLength / minimalTopk)}, at least 1. */
    public int effectiveSteps() {
        return Math.max(1, Math.min(steps, genLength / minimalTopk));
    }

    /**
     * Tokens to commit at each step of a block: {@code B / steps}, plus one for the first
     * {@code B % steps} steps (sums to B).
     */
    public int[] schedule() {
        int s = effectiveSteps();
        int[] out = new int[s];
        for (int i = 0; i < s; i++) {
            out[i] = blockLength / s + (i < blockLength % s ? 1 : 0);
        }
        return out;
    }

    public DecodeOptions withKvCache(boolean on) {
        return new DecodeOptions(genLength, blockLength, steps, threshold, minimalTopk, temperature, topK, topP, seed,
                eosId, maskId, eosEarlyStop, on, decoding, editThreshold, maxPostEditSteps, penaltyLambda);
    }

    /** The joint rule (token editing) with these parameters; {@code threshold} stays the mask-to-token threshold. */
    public DecodeOptions withJoint(double editThreshold, int maxPostEditSteps, double penaltyLambda) {
        return new DecodeOptions(genLength, blockLength, steps, threshold, minimalTopk, temperature, topK, topP, seed,
                eosId, maskId, eosEarlyStop, kvCache, Decoding.JOINT, editThreshold, maxPostEditSteps, penaltyLambda);
    }
}
