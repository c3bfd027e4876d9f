package dev.llada2.config;

import dev.llada2.errors.LladaException;

/**
 * Rotary position embedding of LLaDA2 (spec §4.3): rotate-half ("NeoX") pairing over the first
 * {@code rotaryDim} dimensions of each head; the rest pass through.
 *
 * <p>{@code rotaryDim = (int) (headDim * partial_rotary_factor)} exactly as the official code derives
 * it (transformers' default rope init); the config's {@code rotary_dim} key is informational only.
 * The frequencies follow transformers' rope initialisers for the {@code rope_scaling} types the
 * official model can be configured with: {@code default} (no scaling), {@code linear} and
 * {@code yarn}. Other types are refused with a clear error rather than run with wrong positions.
 *
 * @param theta            rope_theta (base)
 * @param rotaryDim        number of rotated dimensions per head (even)
 * @param scalingType      "default", "linear" or "yarn"
 * @param factor           scaling factor (1 for default)
 * @param originalMaxPositions yarn: original_max_position_embeddings
 * @param betaFast         yarn: beta_fast
 * @param betaSlow         yarn: beta_slow
 * @param attentionFactor  multiplier applied to cos and sin (1 except for yarn)
 * @param truncate         yarn: round the correction range to whole dimensions
 */
public record RopeConfig(double theta, int rotaryDim, String scalingType, double factor,
                         int originalMaxPositions, double betaFast, double betaSlow,
                         double attentionFactor, boolean truncate) {

    public RopeConfig {
        if (!(theta > 0)) {
            throw LladaException.input("config.json: rope_theta must be > 0, found " + theta);
        }
        if (rotaryDim <= 0 || rotaryDim % 2 != 0) {
            throw LladaException.input("config.json: the rotary width head_dim x partial_rotary_factor must be a"
                    + " positive even number, found " + rotaryDim);
        }
        if (!(factor > 0)) {
            throw LladaException.input("config.json: rope_scaling.factor must be > 0, found " + factor);
        }
    }

    public static RopeConfig unscaled(double theta, int rotaryDim) {
        return new RopeConfig(theta, rotaryDim, "default", 1.0, 0, 32, 1, 1.0, true);
    }

    /**
     * Inverse frequencies, one per rotated pair ({@code rotaryDim / 2} values), in fp32 as the
     * reference computes them.
     */
    public float[] inverseFrequencies() {
        int half = rotaryDim / 2;
        float[] inv = new float[half];
        for (int j = 0; j < half; j++) {
            // base ** (2j / dim), as transformers' default init (arange(0, dim, 2) / dim).
            double posFreq = Math.pow(theta, (2.0 * j) / rotaryDim);
            double extrapolation = 1.0 / posFreq;
            inv[j] = switch (scalingType) {
                case "default" -> (float) extrapolation;
                case "linear" -> (float) (extrapolation / factor);
                case "yarn" -> (float) yarnFrequency(j, posFreq);
                default -> throw new IllegalStateException("validated at load: " + scalingType);
            };
        }
        return inv;
    }

    /** YaRN blend of interpolated and extrapolated frequencies (transformers' yarn initialiser). */
    private double yarnFrequency(int j, double posFreq) {
        double extrapolation = 1.0 / posFreq;
        double interpolation = 1.0 / (factor * posFreq);
        double low = correctionDim(betaFast);
        double high = correctionDim(betaSlow);
        if (truncate) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, rotaryDim - 1);
        if (low == high) {
            high += 0.001;
        }
        double ramp = Math.min(1, Math.max(0, (j - low) / (high - low)));
        double extrapolationFactor = 1 - ramp;
        return interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
    }

    private double correctionDim(double rotations) {
        return (rotaryDim * Math.log(originalMaxPositions / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
    }

    @Override
    public String toString() {
        return "rope(theta=" + theta + ", rotary " + rotaryDim + " dims, " + scalingType
                + (scalingType.equals("default") ? "" : " x" + factor) + ")";
    }
}
