package dev.llada2.backend.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The fold, the exponential and the argmax of {@link VectorOps} against their plain definitions. */
class VectorOpsTest {

    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    @Test
    void sumsFoldsEachVectorExactlyAsSumDoes() {
        SplittableRandom r = new SplittableRandom(3);
        float[] acc = new float[L * L];
        float[] tmp = new float[L * L / 2];
        for (int trial = 0; trial < 200; trial++) {
            for (int i = 0; i < acc.length; i++) {
                acc[i] = (float) (r.nextDouble(-1, 1) * Math.pow(10, r.nextInt(-6, 7)));
            }
            int count = 1 + r.nextInt(L);
            float[] out = new float[count + 1];
            VectorOps.sums(acc, 0, count, tmp, out, 1);
            for (int j = 0; j < count; j++) {
                float want = VectorOps.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, acc, j * L));
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(out[1 + j]), "vector " + j);
            }
        }
    }

    @Test
    void expNonPositiveIsWithinTwoUlpsOfMathExp() {
        float[] x = new float[L];
        float[] y = new float[L];
        for (int i = 0; i + L <= 870_000; i += L) {
            for (int j = 0; j < L; j++) {
                x[j] = -(i + j) / 10_000f;
            }
            VectorOps.expNonPositive(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 0)).intoArray(y, 0);
            for (int j = 0; j < L; j++) {
                float want = (float) Math.exp(x[j]);
                assertEquals(want, y[j], 2 * Math.ulp(want), "exp(" + x[j] + ")");
            }
        }
    }

    @Test
    void sumExpAddsEveryElementIncludingTheMaskedTail() {
        float[] a = new float[3 * L + 5];
        SplittableRandom r = new SplittableRandom(5);
        double want = 0;
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble(-20, 0);
            want += Math.exp(a[i] - 0.5);
        }
        assertEquals(want, VectorOps.sumExp(a, 0, a.length, 0.5f), 1e-5 * want);
    }

    @Test
    void argmaxIsTheFirstMaximumAndIgnoresNaN() {
        float[] a = new float[2 * L + 3];
        java.util.Arrays.fill(a, -1f);
        a[5] = 3f;
        a[L + 2] = 3f;
        a[2] = Float.NaN;
        float[] max = new float[1];
        assertEquals(5, VectorOps.argmax(a, 0, a.length, max));
        assertEquals(3f, max[0]);
        a[a.length - 1] = 4f;
        assertEquals(a.length - 1, VectorOps.argmax(a, 0, a.length, max));
        assertEquals(L + 2 - 6, VectorOps.argmax(a, 6, L + 2, max), "an offset view");
        java.util.Arrays.fill(a, Float.NEGATIVE_INFINITY);
        assertEquals(-1, VectorOps.argmax(a, 0, a.length, max));
    }
}
