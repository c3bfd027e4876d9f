package dev.llada2.backend.cpu;

/**
 * Keys and values of one layer on the host, {@code [position][kvHeads * headDim]} in fp32. A forward
 * over positions {@code [start, start+T)} writes its keys/values there and attends to
 * {@code [0, start+T)}; only {@link CpuEngine} decides whether they stay (the cache length).
 */
final class KvCache {

    private final int kvDim;
    private float[] keys = new float[0];
    private float[] values = new float[0];

    KvCache(int kvDim) {
        this.kvDim = kvDim;
    }

    void ensureCapacity(int positions) {
        if (keys.length < positions * kvDim) {
            int cap = Math.max(positions, keys.length / Math.max(1, kvDim) * 2);
            keys = java.util.Arrays.copyOf(keys, cap * kvDim);
            values = java.util.Arrays.copyOf(values, cap * kvDim);
        }
    }

    float[] keys() {
        return keys;
    }

    float[] values() {
        return values;
    }

    long bytes() {
        return 4L * (keys.length + values.length);
    }
}
