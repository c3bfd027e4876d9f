package dev.llada2.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Small fp32 vector kernels (Vector API) used by every CPU op. */
public final class VectorOps {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private VectorOps() {
    }

    /**
     * The sum of the lanes in a fixed order: halves are added lane-wise until one lane is left.
     * {@code reduceLanes(ADD)} leaves the order to the implementation, and HotSpot's interpreter and
     * C2 really do sum differently, so the same forward would change its last bits once compiled.
     */
    public static float sum(FloatVector v) {
        for (int half = F.length() / 2; half >= 1; half /= 2) {
            v = v.add(v.slice(half));
        }
        return v.lane(0);
    }

    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        }
        float s = sum(acc);
        for (; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    /** {@code y[yo..] += alpha * x[xo..]}. */
    public static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector va = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).fma(va, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }

    /** {@code y[yo..] += x[xo..]}. */
    public static void add(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).add(FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += x[xo + i];
        }
    }

    /**
     * RMSNorm (spec §4.2): {@code out = w * (x / sqrt(mean(x^2) + eps))}, statistic in fp32, no
     * {@code 1 + w} offset. {@code out} may be {@code x}.
     */
    public static void rmsNorm(float[] x, int xo, float[] w, float eps, float[] out, int oo, int n) {
        float ss = dot(x, xo, x, xo, n);
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) {
            out[oo + i] = w[i] * (x[xo + i] * inv);
        }
    }

    /** silu(z) = z * sigmoid(z). */
    public static float silu(float z) {
        return z / (1.0f + (float) Math.exp(-z));
    }

    public static float sigmoid(float z) {
        return 1.0f / (1.0f + (float) Math.exp(-z));
    }
}
