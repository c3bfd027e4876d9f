package dev.llada2.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
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

    /**
     * Index vectors of {@link #sums}: level {@code l} adds lanes {@code W = lanes >> (l + 1)} apart, so
     * {@code FOLD_LO[l]} and {@code FOLD_HI[l]} pick, from two vectors seen as one table of
     * {@code 2 * lanes}, the lower and the upper half of every group of {@code 2W} lanes.
     */
    private static final float[][] FOLD_LO = foldIndexes(0);
    private static final float[][] FOLD_HI = foldIndexes(1);

    private static float[][] foldIndexes(int upper) {
        int lanes = F.length();
        int levels = Integer.numberOfTrailingZeros(lanes);
        float[][] idx = new float[levels][lanes];
        for (int l = 0; l < levels; l++) {
            int w = lanes >> (l + 1);
            for (int q = 0; q < lanes; q++) {
                idx[l][q] = (q / w) * 2 * w + upper * w + q % w;
            }
        }
        return idx;
    }

    /**
     * {@code out[outOff + j] = sum(vector j)} for the {@code count <= lanes} vectors stored one after
     * the other in {@code acc[off..]}, bit for bit what {@link #sum} gives each, at a fraction of the
     * cost: the vectors are paired and each level adds, for two vectors at once, the lanes that
     * {@link #sum} adds at that level (a transpose-and-add tree), so one vector of sums comes out.
     * {@code tmp} holds {@code lanes * lanes / 2} floats.
     */
    public static void sums(float[] acc, int off, int count, float[] tmp, float[] out, int outOff) {
        int lanes = F.length();
        FloatVector zero = FloatVector.zero(F);
        FloatVector lo = FloatVector.fromArray(F, FOLD_LO[0], 0);
        FloatVector hi = FloatVector.fromArray(F, FOLD_HI[0], 0);
        for (int p = 0; p < lanes / 2; p++) {
            FloatVector a = 2 * p < count ? FloatVector.fromArray(F, acc, off + 2 * p * lanes) : zero;
            FloatVector b = 2 * p + 1 < count ? FloatVector.fromArray(F, acc, off + (2 * p + 1) * lanes) : zero;
            lo.selectFrom(a, b).add(hi.selectFrom(a, b)).intoArray(tmp, p * lanes);
        }
        for (int l = 1, n = lanes / 2; n > 1; l++, n /= 2) {
            lo = FloatVector.fromArray(F, FOLD_LO[l], 0);
            hi = FloatVector.fromArray(F, FOLD_HI[l], 0);
            for (int p = 0; p < n / 2; p++) {
                FloatVector a = FloatVector.fromArray(F, tmp, 2 * p * lanes);
                FloatVector b = FloatVector.fromArray(F, tmp, (2 * p + 1) * lanes);
                lo.selectFrom(a, b).add(hi.selectFrom(a, b)).intoArray(tmp, p * lanes);
            }
        }
        System.arraycopy(tmp, 0, out, outOff, count);
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

    /** Below this exp's result is under 2^-125 and adds nothing next to the maximum's 1. */
    private static final float EXP_FLOOR = -87f;
    private static final float LOG2E = 1.44269504f;
    /** ln 2 split so that {@code n * LN2_HI} is exact for the n that occur (|n| <= 126). */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;

    /**
     * {@code e^x} for {@code x <= 0} with vector arithmetic only (no library call), so the result is the
     * same in the interpreter and in compiled code, unlike {@code lanewise(EXP)}: x = n ln2 + r with
     * |r| <= ln2 / 2, e^r by its Taylor series to r^7 (truncation error below 1e-8), times 2^n built
     * from the exponent bits. Inputs below -87 give e^-87.
     */
    public static FloatVector expNonPositive(FloatVector x) {
        FloatVector c = x.max(EXP_FLOOR);
        // (int) truncates toward zero, so for a non-positive argument this rounds to nearest
        IntVector n = (IntVector) c.mul(LOG2E).sub(0.5f).convert(VectorOperators.F2I, 0);
        FloatVector nf = (FloatVector) n.convert(VectorOperators.I2F, 0);
        FloatVector r = nf.fma(FloatVector.broadcast(F, -LN2_HI), c);
        r = nf.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(F, 1f / 5040);
        p = p.fma(r, FloatVector.broadcast(F, 1f / 720));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 120));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 24));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 6));
        p = p.fma(r, FloatVector.broadcast(F, 0.5f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        FloatVector scale = n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(scale);
    }

    /**
     * {@code sum_i e^(a[off + i] - shift)} for {@code i < n}, every {@code a <= shift}: lane-wise
     * partial sums in index order, folded as {@link #sum} does; the last partial vector is masked.
     */
    public static float sumExp(float[] a, int off, int n, float shift) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            acc = acc.add(expNonPositive(FloatVector.fromArray(F, a, off + i).sub(shift)));
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector e = expNonPositive(FloatVector.fromArray(F, a, off + i, m).sub(shift));
            acc = acc.add(e, m);
        }
        return sum(acc);
    }

    /**
     * The first index of the maximum of {@code a[off..off+n)} (NaN never wins), or -1 when no value
     * is above minus infinity; the maximum itself to {@code max[0]}.
     */
    public static int argmax(float[] a, int off, int n, float[] max) {
        FloatVector best = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, a, off + i);
            best = best.blend(v, v.compare(VectorOperators.GT, best));
        }
        float m = Float.NEGATIVE_INFINITY;
        for (int lane = 0; lane < F.length(); lane++) {
            m = Math.max(m, best.lane(lane));
        }
        for (; i < n; i++) {
            if (a[off + i] > m) {
                m = a[off + i];
            }
        }
        max[0] = m;
        if (m == Float.NEGATIVE_INFINITY) {
            return -1;
        }
        int at = 0;
        while (a[off + at] != m) {
            at++;
        }
        return at;
    }

    /** silu(z) = z * sigmoid(z). */
    public static float silu(float z) {
        return z / (1.0f + (float) Math.exp(-z));
    }

    public static float sigmoid(float z) {
        return 1.0f / (1.0f + (float) Math.exp(-z));
    }
}
