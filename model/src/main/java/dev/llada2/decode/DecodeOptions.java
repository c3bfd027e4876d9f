package dev.llada2.decode;

import dev.llada2.errors.LladaException;

/**
 * Options of block-diffusion decoding (spec §6.1), validated. Defaults are the paper's recommended
 * decode (temperature 0, block 32, steps 32, threshold 0.95) with {@link #DEFAULT_GEN_LENGTH} new
 * tokens and EOS early stop on.
 *
 * @param genLength    tokens to generate (the canvas holds prompt + genLength, rounded up to blocks)
 * @param blockLength  tokens per diffusion block
 * @param steps        denoising steps per block (capped at genLength / minimalTopk, as officially)
 * @param threshold    commit every masked position whose confidence is strictly above this
 * @param minimalTopk  caps {@code steps} at {@code genLength / minimalTopk}
 * @param temperature  0 = greedy; otherwise sampling with {@code topK}, {@code topP}
 * @param topK         keep the k largest logits (0 = off)
 * @param topP         nucleus cut-off (1 = off)
 * @param seed         sampling seed (Java's SplittableRandom: reproducible in this engine)
 * @param eosId        end-of-sequence id, or -1 for no EOS handling at all
 * @param maskId       the mask token id
 * @param eosEarlyStop stop as soon as a committed EOS has no mask before it (the official function's
 *                     default is false: stop only after the block holding an EOS is finished)
 * @param kvCache      use the exact prefix KV cache (identical output, far fewer FLOPs)
 */
public record DecodeOptions(int genLength, int blockLength, int steps, double threshold, int minimalTopk,
                            double temperature, int topK, double topP, long seed, int eosId, int maskId,
                            boolean eosEarlyStop, boolean kvCache) {

    public static final int DEFAULT_GEN_LENGTH = 256;
    public static final int DEFAULT_BLOCK_LENGTH = 32;
    public static final int DEFAULT_STEPS = 32;
    public static final double DEFAULT_THRESHOLD = 0.95;

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
                eosId, maskId, eosEarlyStop, on);
    }
}
