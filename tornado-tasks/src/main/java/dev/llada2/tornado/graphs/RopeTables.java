package dev.llada2.tornado.graphs;

import dev.llada2.config.RopeConfig;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * The cos/sin tables {@code [maxSequence, rotaryDim / 2]} that {@code RopeKernels} reads, computed
 * exactly as the CPU engine computes its angles (spec §4.3: {@code angle = (float) position *
 * inv_freq[j]} in fp32, {@code Math.cos/sin} of it, times the attention factor), so the device
 * rotates by bit-identical factors and does not depend on its own {@code cos}/{@code sin}.
 * Uploaded once per device; 2 x 4 x maxSequence x rotaryDim/2 bytes.
 */
public record RopeTables(FloatArray cos, FloatArray sin, int half) {

    public static RopeTables of(RopeConfig rope, int maxSequence) {
        float[] invFreq = rope.inverseFrequencies();
        int half = rope.rotaryDim() / 2;
        float factor = (float) rope.attentionFactor();
        FloatArray cos = new FloatArray(maxSequence * half);
        FloatArray sin = new FloatArray(maxSequence * half);
        for (int p = 0; p < maxSequence; p++) {
            for (int j = 0; j < half; j++) {
                float angle = (float) p * invFreq[j];
                cos.set(p * half + j, (float) Math.cos(angle) * factor);
                sin.set(p * half + j, (float) Math.sin(angle) * factor);
            }
        }
        return new RopeTables(cos, sin, half);
    }
}
