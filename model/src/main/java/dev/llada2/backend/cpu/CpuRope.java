package dev.llada2.backend.cpu;

import dev.llada2.config.RopeConfig;

/**
 * Partial rotate-half RoPE (spec §4.3): within the first {@code rotaryDim} dimensions of a head,
 * element j pairs with j + rotaryDim/2; the remaining dimensions pass through. Angles are computed
 * in fp32 ({@code position * inv_freq}) as the reference does.
 */
final class CpuRope {

    private final float[] invFreq;
    private final int half;
    private final float attentionFactor;

    CpuRope(RopeConfig rope) {
        this.invFreq = rope.inverseFrequencies();
        this.half = rope.rotaryDim() / 2;
        this.attentionFactor = (float) rope.attentionFactor();
    }

    /** Fills {@code cos[0..half)} and {@code sin[0..half)} for a position. */
    void angles(int position, float[] cos, float[] sin) {
        for (int j = 0; j < half; j++) {
            float angle = (float) position * invFreq[j];
            cos[j] = (float) Math.cos(angle) * attentionFactor;
            sin[j] = (float) Math.sin(angle) * attentionFactor;
        }
    }

    /** Rotates one head vector {@code v[off .. off+headDim)} in place. */
    void apply(float[] v, int off, float[] cos, float[] sin) {
        for (int j = 0; j < half; j++) {
            float x1 = v[off + j];
            float x2 = v[off + j + half];
            v[off + j] = x1 * cos[j] - x2 * sin[j];
            v[off + j + half] = x2 * cos[j] + x1 * sin[j];
        }
    }

    int half() {
        return half;
    }
}
