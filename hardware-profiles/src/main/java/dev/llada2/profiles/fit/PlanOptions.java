package dev.llada2.profiles.fit;

import dev.llada2.checkpoint.DType;

import java.util.Optional;

/**
 * What a plan is sized for.
 *
 * @param genLength    tokens to generate
 * @param promptLength prompt tokens
 * @param blockLength  diffusion block length: tokens per forward, and the unit the canvas is tiled in
 * @param weightDtype  plan every weight as this type instead of the config's {@code torch_dtype}
 *                     (or the checkpoint's actual types)
 */
public record PlanOptions(int genLength, int promptLength, int blockLength, Optional<DType> weightDtype) {

    /** The recommended block length (spec §6.5). */
    public static final int DEFAULT_BLOCK_LENGTH = 32;

    public PlanOptions {
        if (genLength < 1) {
            throw new IllegalArgumentException("gen length must be >= 1, got " + genLength);
        }
        if (promptLength < 0) {
            throw new IllegalArgumentException("prompt length must be >= 0, got " + promptLength);
        }
        if (blockLength < 1) {
            throw new IllegalArgumentException("block length must be >= 1, got " + blockLength);
        }
    }

    /** A 512-token prompt, 512 generated tokens, blocks of 32, the checkpoint's weight types. */
    public static PlanOptions defaults() {
        return new PlanOptions(512, 512, DEFAULT_BLOCK_LENGTH, Optional.empty());
    }

    public PlanOptions withGenLength(int tokens) {
        return new PlanOptions(tokens, promptLength, blockLength, weightDtype);
    }

    public PlanOptions withPromptLength(int tokens) {
        return new PlanOptions(genLength, tokens, blockLength, weightDtype);
    }

    public PlanOptions withBlockLength(int tokens) {
        return new PlanOptions(genLength, promptLength, tokens, weightDtype);
    }

    public PlanOptions withWeightDtype(DType dtype) {
        return new PlanOptions(genLength, promptLength, blockLength, Optional.of(dtype));
    }

    /**
     * Positions the KV cache must hold: prompt + generated tokens rounded up to whole blocks, since the
     * canvas is tiled in blocks from position 0 (spec §5).
     */
    public int kvPositions() {
        long blocks = ((long) promptLength + genLength + blockLength - 1) / blockLength;
        return Math.toIntExact(blocks * blockLength);
    }
}
