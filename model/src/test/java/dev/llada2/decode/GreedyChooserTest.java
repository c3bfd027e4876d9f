package dev.llada2.decode;

import dev.llada2.runtime.ForwardResult;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link GreedyChooser}: the engine's (argmax, confidence) pairs pass through; from logits (asked for
 * when a repetition penalty applies) it computes the same definition: first argmax, its softmax
 * probability over the whole row.
 */
class GreedyChooserTest {

    @Test
    void theEnginesPairsPassThrough() {
        int[] token = new int[2];
        float[] conf = new float[2];
        new GreedyChooser().choose(new ForwardResult(new int[] {4, 9}, new float[] {0.5f, 0.25f}, null), token, conf);
        assertArrayEquals(new int[] {4, 9}, token);
        assertArrayEquals(new float[] {0.5f, 0.25f}, conf);
    }

    @Test
    void fromLogitsTheFirstArgmaxAndItsSoftmaxProbability() {
        float[][] logits = {{0, 3, 2.5f, 3}, {1, 1, 1, 1}};
        int[] token = new int[2];
        float[] conf = new float[2];
        new GreedyChooser().choose(new ForwardResult(null, null, logits), token, conf);
        assertArrayEquals(new int[] {1, 0}, token);
        double z = 1 + 2 * Math.exp(3) + Math.exp(2.5);
        assertEquals(Math.exp(3) / z, conf[0], 1e-7);
        assertEquals(0.25f, conf[1]);
    }
}
