package dev.llada2.backend.cpu;

import dev.llada2.config.RopeConfig;
import dev.llada2.runtime.AttentionMask;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The self-test's entry points into the CPU engine reproduce cases whose answer is known by hand: the
 * identity projections must pass values through unchanged.
 */
class CpuKernelTwinsTest {

    private static final RopeConfig ROPE = RopeConfig.unscaled(600000, 4);

    /** 2 query heads sharing 1 key/value head of width 4. */
    private static float[] qkv(float[] q0, float[] q1, float[] k, float[] v) {
        float[] row = new float[16];
        System.arraycopy(q0, 0, row, 0, 4);
        System.arraycopy(q1, 0, row, 4, 4);
        System.arraycopy(k, 0, row, 8, 4);
        System.arraycopy(v, 0, row, 12, 4);
        return row;
    }

    @Test
    void oneTokenAtPositionZeroAttendsToItsOwnValue() {
        float[] k = {1, 2, 3, 4};
        float[] v = {5, -6, 7, 8};
        float[] keys = new float[4];
        float[] values = new float[4];
        float[] context = CpuKernelTwins.attention(2, 1, 4, ROPE, 1e-6f, null, null,
                qkv(new float[] {1, 0, 0, 0}, new float[] {0, 1, 0, 0}, k, v), 1, 0, new AttentionMask.Bidirectional(),
                keys, values);
        assertArrayEquals(k, keys, "position 0 rotates by angle 0");
        assertArrayEquals(v, values);
        assertArrayEquals(new float[] {5, -6, 7, 8, 5, -6, 7, 8}, context, 1e-6f);
    }

    @Test
    void zeroQueriesAverageTheCachedAndOwnValues() {
        float[] keys = {9, 9, 9, 9, 1, 1, 1, 1, 0, 0, 0, 0, 7, 7, 7, 7};
        float[] values = {3, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 7, 7, 7, 7};
        float[] zero = new float[4];
        float[] context = CpuKernelTwins.attention(2, 1, 4, ROPE, 1e-6f, null, null,
                qkv(zero, zero, new float[] {2, 2, 2, 2}, new float[] {0, 0, 3, 0}), 1, 2,
                new AttentionMask.Bidirectional(), keys, values);
        assertArrayEquals(new float[] {1, 1, 1, 0, 1, 1, 1, 0}, context, 1e-6f);
        assertArrayEquals(new float[] {0, 0, 3, 0}, java.util.Arrays.copyOfRange(values, 8, 12), "own value stored");
        assertArrayEquals(new float[] {7, 7, 7, 7}, java.util.Arrays.copyOfRange(values, 12, 16), "later rows untouched");
    }

    @Test
    void greedyTakesTheFirstMaximumAndItsProbability() {
        int[] argmax = new int[2];
        float[] confidence = new float[2];
        CpuKernelTwins.greedy(new float[][] {{1, 3, 3, 0}, {0, 0, 0, 5}}, argmax, confidence);
        assertArrayEquals(new int[] {1, 3}, argmax);
        assertEquals(Math.exp(3) / (Math.exp(1) + 2 * Math.exp(3) + 1), confidence[0], 1e-6);
        assertEquals(Math.exp(5) / (3 + Math.exp(5)), confidence[1], 1e-6);
    }
}
