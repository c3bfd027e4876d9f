package dev.llada2.decode;

import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SamplingChooser} (temperature, top-k, top-p, seed): reproducibility per seed, the top-k and
 * top-p boundaries and their ties, temperature scaling, the confidence definition, and that draws
 * follow the distribution. The replay of the golden "official" sampler cases (probabilities of the
 * recorded tokens from the real model's logits) is in the tests module's {@code GoldenGenerateTest}.
 * Run alone: {@code ./run-tests -pl model -Dtest=SamplingChooserTest}.
 */
class SamplingChooserTest {

    private static final double EPS = 1e-12;

    /** Random logits, one row per requested position. */
    private static ForwardResult randomLogits(int rows, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] logits = new float[rows][vocab];
        for (float[] row : logits) {
            for (int v = 0; v < vocab; v++) {
                row[v] = (float) (r.nextGaussian() * 2);
            }
        }
        return new ForwardResult(null, null, logits);
    }

    private static double[] softmax(float[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l / temperature);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int v = 0; v < p.length; v++) {
            p[v] = Math.exp(logits[v] / temperature - max);
            sum += p[v];
        }
        for (int v = 0; v < p.length; v++) {
            p[v] /= sum;
        }
        return p;
    }

    private static void assertDistribution(double[] want, double[] got) {
        assertEquals(want.length, got.length);
        for (int v = 0; v < want.length; v++) {
            assertEquals(want[v], got[v], EPS, "token " + v);
        }
    }

    @Test
    void asksTheEngineForLogits() {
        assertInstanceOf(HeadRequest.Logits.class, new SamplingChooser(0.7, 0, 1, 1).request(new int[] {0, 3}));
    }

    @Test
    void theSameSeedDrawsTheSameTokensAndAnotherSeedDoesNot() {
        ForwardResult logits = randomLogits(64, 50, 3);
        int[] a = new int[64];
        int[] b = new int[64];
        int[] c = new int[64];
        float[] ca = new float[64];
        float[] cb = new float[64];
        float[] cc = new float[64];
        new SamplingChooser(1.0, 0, 1.0, 42).choose(logits, a, ca);
        new SamplingChooser(1.0, 0, 1.0, 42).choose(logits, b, cb);
        new SamplingChooser(1.0, 0, 1.0, 43).choose(logits, c, cc);
        assertArrayEquals(a, b);
        assertArrayEquals(ca, cb);
        assertFalse(java.util.Arrays.equals(a, c), "seeds 42 and 43 drew the same 64 tokens");
    }

    @Test
    void successiveForwardsContinueTheSeededStream() {
        // one chooser per generation: a second forward draws new numbers, reproducibly
        ForwardResult logits = randomLogits(16, 50, 5);
        SamplingChooser one = new SamplingChooser(1.0, 0, 1.0, 9);
        SamplingChooser two = new SamplingChooser(1.0, 0, 1.0, 9);
        int[][] draws = new int[4][16];
        float[] conf = new float[16];
        one.choose(logits, draws[0], conf);
        one.choose(logits, draws[1], conf);
        two.choose(logits, draws[2], conf);
        two.choose(logits, draws[3], conf);
        assertArrayEquals(draws[0], draws[2]);
        assertArrayEquals(draws[1], draws[3]);
        assertFalse(java.util.Arrays.equals(draws[0], draws[1]));
    }

    @Test
    void temperatureScalesTheLogits() {
        float[] logits = randomLogits(1, 30, 7).logits()[0];
        assertDistribution(softmax(logits, 0.5), new SamplingChooser(0.5, 0, 1.0, 0).distribution(logits));
        assertDistribution(softmax(logits, 2.0), new SamplingChooser(2.0, 0, 1.0, 0).distribution(logits));
    }

    @Test
    void topKKeepsEveryLogitTiedWithTheKthLargest() {
        float[] logits = {1, 3, 2, 2, 0};
        double[] k2 = new SamplingChooser(1.0, 2, 1.0, 0).distribution(logits);
        double z = Math.exp(3) + 2 * Math.exp(2);
        assertDistribution(new double[] {0, Math.exp(3) / z, Math.exp(2) / z, Math.exp(2) / z, 0}, k2);
        double[] k1 = new SamplingChooser(1.0, 1, 1.0, 0).distribution(logits);
        assertDistribution(new double[] {0, 1, 0, 0, 0}, k1);
    }

    @Test
    void topKOfTheWholeVocabularyOrMoreIsOff() {
        float[] logits = randomLogits(1, 20, 11).logits()[0];
        double[] plain = softmax(logits, 1.0);
        assertDistribution(plain, new SamplingChooser(1.0, 20, 1.0, 0).distribution(logits));
        assertDistribution(plain, new SamplingChooser(1.0, 50, 1.0, 0).distribution(logits));
    }

    @Test
    void topPKeepsTheTokenThatCrossesPAndDropsTheRest() {
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        double[] p = new SamplingChooser(1.0, 0, 0.6, 0).distribution(logits);
        assertEquals(0.5 / 0.8, p[0], 1e-6);
        assertEquals(0.3 / 0.8, p[1], 1e-6);
        assertEquals(0, p[2]);
        // p below the most likely token's probability keeps that token alone
        assertDistribution(new double[] {1, 0, 0}, new SamplingChooser(1.0, 0, 0.1, 0).distribution(logits));
    }

    @Test
    void topPReachedExactlyIsNotCrossedAndTiesAreOrderedById() {
        // four equal tokens of 0.25: after two the cumulative is exactly 0.5, not above it, so the third is
        // kept too and crosses; the fourth (highest id among the tied) is dropped
        double[] p = new SamplingChooser(1.0, 0, 0.5, 0).distribution(new float[] {0, 0, 0, 0});
        assertDistribution(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0, 0}, p);
    }

    @Test
    void topKThenTopPCompose() {
        float[] logits = {4, 3, 2, 1, 0};
        double[] p = new SamplingChooser(1.0, 3, 0.7, 0).distribution(logits);
        // top-3 softmax: e^4, e^3, e^2 over their sum: 0.665, 0.245, 0.090 -> 0.665 < 0.7, so the second is
        // kept and crosses; the third is dropped
        double z = Math.exp(4) + Math.exp(3);
        assertDistribution(new double[] {Math.exp(4) / z, Math.exp(3) / z, 0, 0, 0}, p);
    }

    @Test
    void theConfidenceIsTheDrawnTokensProbabilityInTheFilteredDistribution() {
        ForwardResult logits = randomLogits(200, 40, 13);
        SamplingChooser chooser = new SamplingChooser(0.8, 10, 0.9, 21);
        int[] token = new int[200];
        float[] confidence = new float[200];
        chooser.choose(logits, token, confidence);
        for (int i = 0; i < 200; i++) {
            double[] p = chooser.distribution(logits.logits()[i]);
            assertTrue(p[token[i]] > 0, "row " + i + " drew token " + token[i] + " outside the filtered set");
            assertEquals((float) p[token[i]], confidence[i], "row " + i);
        }
    }

    @Test
    void drawsFollowTheDistribution() {
        float[] row = {2, 1, 0.5f, 0, -1, -3};
        int n = 40_000;
        float[][] rows = new float[n][];
        java.util.Arrays.fill(rows, row);
        int[] token = new int[n];
        SamplingChooser chooser = new SamplingChooser(1.0, 0, 1.0, 1234);
        chooser.choose(new ForwardResult(null, null, rows), token, new float[n]);
        double[] p = chooser.distribution(row);
        int[] count = new int[row.length];
        for (int t : token) {
            count[t]++;
        }
        for (int v = 0; v < row.length; v++) {
            // 4 standard deviations of a binomial proportion at n = 40000 is at most 0.01
            assertEquals(p[v], count[v] / (double) n, 0.01, "token " + v);
        }
    }
}
