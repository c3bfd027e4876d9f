package dev.llada2.trace;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link TraceSink} that keeps everything, stacking per-layer slices into {@code [layers, L, H]}
 * tensors; used by {@code llada2 forward} and the golden tests.
 */
public final class ForwardTrace implements TraceSink {

    /** A captured tensor: either floats or ints, with its shape. */
    public record Tensor(float[] floats, int[] ints, int[] shape) {
        public boolean isInt() {
            return ints != null;
        }
    }

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<String, TreeMap<Integer, float[]>> layers = new LinkedHashMap<>();
    private final Map<String, int[]> layerShape = new LinkedHashMap<>();

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public void floats(String name, float[] data, int... shape) {
        tensors.put(name, new Tensor(data.clone(), null, shape.clone()));
    }

    @Override
    public void ints(String name, int[] data, int... shape) {
        tensors.put(name, new Tensor(null, data.clone(), shape.clone()));
    }

    @Override
    public void layer(String kind, int layer, float[] data, int rows, int cols) {
        float[] copy = new float[rows * cols];
        System.arraycopy(data, 0, copy, 0, rows * cols);
        layers.computeIfAbsent(kind, k -> new TreeMap<>()).put(layer, copy);
        layerShape.put(kind, new int[] {rows, cols});
    }

    /** All tensors, per-layer ones stacked over the layers recorded (which must be 0..n-1). */
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, TreeMap<Integer, float[]>> e : layers.entrySet()) {
            int[] rc = layerShape.get(e.getKey());
            int n = e.getValue().size();
            float[] stacked = new float[n * rc[0] * rc[1]];
            int i = 0;
            for (Map.Entry<Integer, float[]> l : e.getValue().entrySet()) {
                if (l.getKey() != i) {
                    throw new IllegalStateException(e.getKey() + ": layer " + i + " was not traced");
                }
                System.arraycopy(l.getValue(), 0, stacked, i * rc[0] * rc[1], rc[0] * rc[1]);
                i++;
            }
            out.put(e.getKey(), new Tensor(stacked, null, new int[] {n, rc[0], rc[1]}));
        }
        out.putAll(tensors);
        return out;
    }
}
