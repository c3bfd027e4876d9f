package dev.llada2.backend.cpu;

import dev.llada2.backend.cpu.format.CpuWeightFormat;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.constant.ConstantDescs;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

import static dev.llada2.backend.cpu.MatMul.ROW_SCALES;

/**
 * {@link MatMul}'s register tiles for one way of reading weights ({@link CpuWeightFormat#tileLanes()}:
 * the fp32 panel, BF16 or Q8_0 in registers). This class is never used as itself: {@link MatMul}
 * defines one hidden copy of it per kind ({@code MatMul.TILES}), each with its kind as a constant
 * ({@link #KIND}). Why: C2 compiles one copy of a method and shapes it by the branches its runs
 * took; when a single set of tiles read two kinds in one JVM, every weight load carried both paths
 * and the products ran slower (32-token products 3–4x slower once BF16, Q8_0 and Q4_K ones had
 * run; a Q8_0 model's products a third slower beside its F32 router; measured). In its own copy
 * each kind's tiles have their own compiled code, in which the kind's test folds away, so a mix of
 * formats in one JVM runs each product as fast as it runs alone.
 */
final class Tiles implements MatMul.TileKernel {

    /** This copy's kind, the class data it was defined with: a constant to the compiler. */
    private static final int KIND = kind();
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /**
     * Vectors per step of the loops of the tiles of up to 4 tokens. Two for Q8_0: at 16 lanes a step is
     * then one block, whose byte offset and scale index are linear in the step, so C2 lifts their
     * bounds checks out of the loop and the two vectors share them; those tiles widen a weight vector
     * for every 1–4 tokens, so the widening's cost shows (Q8_0 products of 1–2 tokens took up to a
     * quarter less time, perf/RESULTS.md). One for the other kinds, whose addressing is linear anyway
     * (in steps of two, BF16 ran no faster). The 5- and 6-token tiles loop over single vectors for
     * every kind (in steps of two, the Q8_0 and BF16 LM heads ran 10–25% slower).
     */
    private static final int STEP_VECTORS = KIND == CpuWeightFormat.Q8_0_LANES ? 2 : 1;
    /** Elements per step; a pass whose width is not a multiple of it ends with {@link #tile1x1}. */
    static final int STEP = STEP_VECTORS * L;

    Tiles() {
    }

    private static int kind() {
        try {
            return MethodHandles.classData(MethodHandles.lookup(), ConstantDescs.DEFAULT_NAME, Integer.class);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * {@code rc} rows of {@code width} columns against {@code tc} tokens ({@code x[xo + j*xs ..]}): the
     * rows start at element {@code po} of {@code p} with stride {@code ps}, in the tensor when this
     * copy's kind is not {@link CpuWeightFormat#PANEL} (widened by {@link CpuWeightFormat#bf16Lanes} or
     * {@link CpuWeightFormat#q8_0Lanes}), else fp32 in the panel. Accumulator of row r, token j at
     * {@code acc[(r * tc + j) * L]}.
     * Tokens are the outer loop, in groups of at most 6, so a group's activations meet every row
     * while in cache.
     */
    @Override
    public void tiles(MemorySegment p, long po, long ps, float[] s, int rc, float[] x, int xo,
                              int xs, int tc, float[] acc, int width) {
        int as = tc * L;
        int rows4 = rc - rc % 4;
        // tc tokens in as few groups of at most 6 as possible, of sizes that differ by at most one:
        // a lone token or two left after groups of 6 would run at a fraction of the FMA rate
        int groups = (tc + 5) / 6;
        for (int g = 0, j = 0; g < groups; g++) {
            int size = (tc - j) / (groups - g);
            for (int r = 0; r < rows4; r += 4) {
                long pr = po + r * ps;
                int xj = xo + j * xs;
                int aj = r * as + j * L;
                switch (size) {
                    case 6 -> tile4x6(p, pr, ps, s, r * ROW_SCALES, x, xj, xs, acc, aj, as, width);
                    case 5 -> tile4x5(p, pr, ps, s, r * ROW_SCALES, x, xj, xs, acc, aj, as, width);
                    case 4 -> tile4x4(p, pr, ps, s, r * ROW_SCALES, x, xj, xs, acc, aj, as, width);
                    case 3 -> tile4x3(p, pr, ps, s, r * ROW_SCALES, x, xj, xs, acc, aj, as, width);
                    case 2 -> tile4x2(p, pr, ps, s, r * ROW_SCALES, x, xj, xs, acc, aj, as, width);
                    default -> tile4x1(p, pr, ps, s, r * ROW_SCALES, x, xj, xs, acc, aj, as, width);
                }
            }
            j += size;
        }
        int stepped = width - width % STEP;
        for (int r = 0; r < rc; r++) {
            // rows below 4 left over take the whole width, the others the vector past the last step
            int from = r < rows4 ? stepped : 0;
            for (int j = 0; j < tc && from < width; j++) {
                tile1x1(p, po + r * ps, s, r * ROW_SCALES, x, xo + j * xs, acc, r * as + j * L, from, width);
            }
        }
    }

    // One method per tile width, written out: C2 keeps named FloatVector locals in registers but an
    // accumulator array (or a loop over tokens inside the tile) in memory, so a generic tile would run
    // at a fraction of the FMA rate. The six methods differ only in how many tokens they carry.

    /** 4 rows x 6 tokens: 24 accumulators and 5 more registers for the operands. */
    private static void tile4x6(MemorySegment p, long po, long ps, float[] s, int so, float[] x, int xo, int xs,
                                float[] acc, int ao, int as, int len) {
        FloatVector a00 = FloatVector.fromArray(F, acc, ao);
        FloatVector a01 = FloatVector.fromArray(F, acc, ao + L);
        FloatVector a02 = FloatVector.fromArray(F, acc, ao + 2 * L);
        FloatVector a03 = FloatVector.fromArray(F, acc, ao + 3 * L);
        FloatVector a04 = FloatVector.fromArray(F, acc, ao + 4 * L);
        FloatVector a05 = FloatVector.fromArray(F, acc, ao + 5 * L);
        FloatVector a10 = FloatVector.fromArray(F, acc, ao + as);
        FloatVector a11 = FloatVector.fromArray(F, acc, ao + as + L);
        FloatVector a12 = FloatVector.fromArray(F, acc, ao + as + 2 * L);
        FloatVector a13 = FloatVector.fromArray(F, acc, ao + as + 3 * L);
        FloatVector a14 = FloatVector.fromArray(F, acc, ao + as + 4 * L);
        FloatVector a15 = FloatVector.fromArray(F, acc, ao + as + 5 * L);
        FloatVector a20 = FloatVector.fromArray(F, acc, ao + 2 * as);
        FloatVector a21 = FloatVector.fromArray(F, acc, ao + 2 * as + L);
        FloatVector a22 = FloatVector.fromArray(F, acc, ao + 2 * as + 2 * L);
        FloatVector a23 = FloatVector.fromArray(F, acc, ao + 2 * as + 3 * L);
        FloatVector a24 = FloatVector.fromArray(F, acc, ao + 2 * as + 4 * L);
        FloatVector a25 = FloatVector.fromArray(F, acc, ao + 2 * as + 5 * L);
        FloatVector a30 = FloatVector.fromArray(F, acc, ao + 3 * as);
        FloatVector a31 = FloatVector.fromArray(F, acc, ao + 3 * as + L);
        FloatVector a32 = FloatVector.fromArray(F, acc, ao + 3 * as + 2 * L);
        FloatVector a33 = FloatVector.fromArray(F, acc, ao + 3 * as + 3 * L);
        FloatVector a34 = FloatVector.fromArray(F, acc, ao + 3 * as + 4 * L);
        FloatVector a35 = FloatVector.fromArray(F, acc, ao + 3 * as + 5 * L);
        for (int i = 0; i < len - len % STEP; i += L) {
            FloatVector w0 = weights(p, po, i, s, so);
            FloatVector w1 = weights(p, po + ps, i, s, so + ROW_SCALES);
            FloatVector w2 = weights(p, po + 2 * ps, i, s, so + 2 * ROW_SCALES);
            FloatVector w3 = weights(p, po + 3 * ps, i, s, so + 3 * ROW_SCALES);
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
            a00 = w0.fma(x0, a00);
            a10 = w1.fma(x0, a10);
            a20 = w2.fma(x0, a20);
            a30 = w3.fma(x0, a30);
            FloatVector x1 = FloatVector.fromArray(F, x, xo + xs + i);
            a01 = w0.fma(x1, a01);
            a11 = w1.fma(x1, a11);
            a21 = w2.fma(x1, a21);
            a31 = w3.fma(x1, a31);
            FloatVector x2 = FloatVector.fromArray(F, x, xo + 2 * xs + i);
            a02 = w0.fma(x2, a02);
            a12 = w1.fma(x2, a12);
            a22 = w2.fma(x2, a22);
            a32 = w3.fma(x2, a32);
            FloatVector x3 = FloatVector.fromArray(F, x, xo + 3 * xs + i);
            a03 = w0.fma(x3, a03);
            a13 = w1.fma(x3, a13);
            a23 = w2.fma(x3, a23);
            a33 = w3.fma(x3, a33);
            FloatVector x4 = FloatVector.fromArray(F, x, xo + 4 * xs + i);
            a04 = w0.fma(x4, a04);
            a14 = w1.fma(x4, a14);
            a24 = w2.fma(x4, a24);
            a34 = w3.fma(x4, a34);
            FloatVector x5 = FloatVector.fromArray(F, x, xo + 5 * xs + i);
            a05 = w0.fma(x5, a05);
            a15 = w1.fma(x5, a15);
            a25 = w2.fma(x5, a25);
            a35 = w3.fma(x5, a35);
        }
        a00.intoArray(acc, ao);
        a01.intoArray(acc, ao + L);
        a02.intoArray(acc, ao + 2 * L);
        a03.intoArray(acc, ao + 3 * L);
        a04.intoArray(acc, ao + 4 * L);
        a05.intoArray(acc, ao + 5 * L);
        a10.intoArray(acc, ao + as);
        a11.intoArray(acc, ao + as + L);
        a12.intoArray(acc, ao + as + 2 * L);
        a13.intoArray(acc, ao + as + 3 * L);
        a14.intoArray(acc, ao + as + 4 * L);
        a15.intoArray(acc, ao + as + 5 * L);
        a20.intoArray(acc, ao + 2 * as);
        a21.intoArray(acc, ao + 2 * as + L);
        a22.intoArray(acc, ao + 2 * as + 2 * L);
        a23.intoArray(acc, ao + 2 * as + 3 * L);
        a24.intoArray(acc, ao + 2 * as + 4 * L);
        a25.intoArray(acc, ao + 2 * as + 5 * L);
        a30.intoArray(acc, ao + 3 * as);
        a31.intoArray(acc, ao + 3 * as + L);
        a32.intoArray(acc, ao + 3 * as + 2 * L);
        a33.intoArray(acc, ao + 3 * as + 3 * L);
        a34.intoArray(acc, ao + 3 * as + 4 * L);
        a35.intoArray(acc, ao + 3 * as + 5 * L);
    }

    /** 4 rows x 5 tokens: 20 accumulators. */
    private static void tile4x5(MemorySegment p, long po, long ps, float[] s, int so, float[] x, int xo, int xs,
                                float[] acc, int ao, int as, int len) {
        FloatVector a00 = FloatVector.fromArray(F, acc, ao);
        FloatVector a01 = FloatVector.fromArray(F, acc, ao + L);
        FloatVector a02 = FloatVector.fromArray(F, acc, ao + 2 * L);
        FloatVector a03 = FloatVector.fromArray(F, acc, ao + 3 * L);
        FloatVector a04 = FloatVector.fromArray(F, acc, ao + 4 * L);
        FloatVector a10 = FloatVector.fromArray(F, acc, ao + as);
        FloatVector a11 = FloatVector.fromArray(F, acc, ao + as + L);
        FloatVector a12 = FloatVector.fromArray(F, acc, ao + as + 2 * L);
        FloatVector a13 = FloatVector.fromArray(F, acc, ao + as + 3 * L);
        FloatVector a14 = FloatVector.fromArray(F, acc, ao + as + 4 * L);
        FloatVector a20 = FloatVector.fromArray(F, acc, ao + 2 * as);
        FloatVector a21 = FloatVector.fromArray(F, acc, ao + 2 * as + L);
        FloatVector a22 = FloatVector.fromArray(F, acc, ao + 2 * as + 2 * L);
        FloatVector a23 = FloatVector.fromArray(F, acc, ao + 2 * as + 3 * L);
        FloatVector a24 = FloatVector.fromArray(F, acc, ao + 2 * as + 4 * L);
        FloatVector a30 = FloatVector.fromArray(F, acc, ao + 3 * as);
        FloatVector a31 = FloatVector.fromArray(F, acc, ao + 3 * as + L);
        FloatVector a32 = FloatVector.fromArray(F, acc, ao + 3 * as + 2 * L);
        FloatVector a33 = FloatVector.fromArray(F, acc, ao + 3 * as + 3 * L);
        FloatVector a34 = FloatVector.fromArray(F, acc, ao + 3 * as + 4 * L);
        for (int i = 0; i < len - len % STEP; i += L) {
            FloatVector w0 = weights(p, po, i, s, so);
            FloatVector w1 = weights(p, po + ps, i, s, so + ROW_SCALES);
            FloatVector w2 = weights(p, po + 2 * ps, i, s, so + 2 * ROW_SCALES);
            FloatVector w3 = weights(p, po + 3 * ps, i, s, so + 3 * ROW_SCALES);
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
            a00 = w0.fma(x0, a00);
            a10 = w1.fma(x0, a10);
            a20 = w2.fma(x0, a20);
            a30 = w3.fma(x0, a30);
            FloatVector x1 = FloatVector.fromArray(F, x, xo + xs + i);
            a01 = w0.fma(x1, a01);
            a11 = w1.fma(x1, a11);
            a21 = w2.fma(x1, a21);
            a31 = w3.fma(x1, a31);
            FloatVector x2 = FloatVector.fromArray(F, x, xo + 2 * xs + i);
            a02 = w0.fma(x2, a02);
            a12 = w1.fma(x2, a12);
            a22 = w2.fma(x2, a22);
            a32 = w3.fma(x2, a32);
            FloatVector x3 = FloatVector.fromArray(F, x, xo + 3 * xs + i);
            a03 = w0.fma(x3, a03);
            a13 = w1.fma(x3, a13);
            a23 = w2.fma(x3, a23);
            a33 = w3.fma(x3, a33);
            FloatVector x4 = FloatVector.fromArray(F, x, xo + 4 * xs + i);
            a04 = w0.fma(x4, a04);
            a14 = w1.fma(x4, a14);
            a24 = w2.fma(x4, a24);
            a34 = w3.fma(x4, a34);
        }
        a00.intoArray(acc, ao);
        a01.intoArray(acc, ao + L);
        a02.intoArray(acc, ao + 2 * L);
        a03.intoArray(acc, ao + 3 * L);
        a04.intoArray(acc, ao + 4 * L);
        a10.intoArray(acc, ao + as);
        a11.intoArray(acc, ao + as + L);
        a12.intoArray(acc, ao + as + 2 * L);
        a13.intoArray(acc, ao + as + 3 * L);
        a14.intoArray(acc, ao + as + 4 * L);
        a20.intoArray(acc, ao + 2 * as);
        a21.intoArray(acc, ao + 2 * as + L);
        a22.intoArray(acc, ao + 2 * as + 2 * L);
        a23.intoArray(acc, ao + 2 * as + 3 * L);
        a24.intoArray(acc, ao + 2 * as + 4 * L);
        a30.intoArray(acc, ao + 3 * as);
        a31.intoArray(acc, ao + 3 * as + L);
        a32.intoArray(acc, ao + 3 * as + 2 * L);
        a33.intoArray(acc, ao + 3 * as + 3 * L);
        a34.intoArray(acc, ao + 3 * as + 4 * L);
    }

    /** 4 rows x 4 tokens: 16 accumulators. */
    private static void tile4x4(MemorySegment p, long po, long ps, float[] s, int so, float[] x, int xo, int xs,
                                float[] acc, int ao, int as, int len) {
        FloatVector a00 = FloatVector.fromArray(F, acc, ao);
        FloatVector a01 = FloatVector.fromArray(F, acc, ao + L);
        FloatVector a02 = FloatVector.fromArray(F, acc, ao + 2 * L);
        FloatVector a03 = FloatVector.fromArray(F, acc, ao + 3 * L);
        FloatVector a10 = FloatVector.fromArray(F, acc, ao + as);
        FloatVector a11 = FloatVector.fromArray(F, acc, ao + as + L);
        FloatVector a12 = FloatVector.fromArray(F, acc, ao + as + 2 * L);
        FloatVector a13 = FloatVector.fromArray(F, acc, ao + as + 3 * L);
        FloatVector a20 = FloatVector.fromArray(F, acc, ao + 2 * as);
        FloatVector a21 = FloatVector.fromArray(F, acc, ao + 2 * as + L);
        FloatVector a22 = FloatVector.fromArray(F, acc, ao + 2 * as + 2 * L);
        FloatVector a23 = FloatVector.fromArray(F, acc, ao + 2 * as + 3 * L);
        FloatVector a30 = FloatVector.fromArray(F, acc, ao + 3 * as);
        FloatVector a31 = FloatVector.fromArray(F, acc, ao + 3 * as + L);
        FloatVector a32 = FloatVector.fromArray(F, acc, ao + 3 * as + 2 * L);
        FloatVector a33 = FloatVector.fromArray(F, acc, ao + 3 * as + 3 * L);
        for (int b = 0; b < len / STEP; b++) {
            for (int h = 0; h < STEP_VECTORS; h++) {
                int i = b * STEP + h * L;
                FloatVector w0 = stepWeights(p, po, b, h, s, so);
                FloatVector w1 = stepWeights(p, po + ps, b, h, s, so + ROW_SCALES);
                FloatVector w2 = stepWeights(p, po + 2 * ps, b, h, s, so + 2 * ROW_SCALES);
                FloatVector w3 = stepWeights(p, po + 3 * ps, b, h, s, so + 3 * ROW_SCALES);
                FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
                a00 = w0.fma(x0, a00);
                a10 = w1.fma(x0, a10);
                a20 = w2.fma(x0, a20);
                a30 = w3.fma(x0, a30);
                FloatVector x1 = FloatVector.fromArray(F, x, xo + xs + i);
                a01 = w0.fma(x1, a01);
                a11 = w1.fma(x1, a11);
                a21 = w2.fma(x1, a21);
                a31 = w3.fma(x1, a31);
                FloatVector x2 = FloatVector.fromArray(F, x, xo + 2 * xs + i);
                a02 = w0.fma(x2, a02);
                a12 = w1.fma(x2, a12);
                a22 = w2.fma(x2, a22);
                a32 = w3.fma(x2, a32);
                FloatVector x3 = FloatVector.fromArray(F, x, xo + 3 * xs + i);
                a03 = w0.fma(x3, a03);
                a13 = w1.fma(x3, a13);
                a23 = w2.fma(x3, a23);
                a33 = w3.fma(x3, a33);
            }
        }
        a00.intoArray(acc, ao);
        a01.intoArray(acc, ao + L);
        a02.intoArray(acc, ao + 2 * L);
        a03.intoArray(acc, ao + 3 * L);
        a10.intoArray(acc, ao + as);
        a11.intoArray(acc, ao + as + L);
        a12.intoArray(acc, ao + as + 2 * L);
        a13.intoArray(acc, ao + as + 3 * L);
        a20.intoArray(acc, ao + 2 * as);
        a21.intoArray(acc, ao + 2 * as + L);
        a22.intoArray(acc, ao + 2 * as + 2 * L);
        a23.intoArray(acc, ao + 2 * as + 3 * L);
        a30.intoArray(acc, ao + 3 * as);
        a31.intoArray(acc, ao + 3 * as + L);
        a32.intoArray(acc, ao + 3 * as + 2 * L);
        a33.intoArray(acc, ao + 3 * as + 3 * L);
    }

    /** 4 rows x 3 tokens: 12 accumulators. */
    private static void tile4x3(MemorySegment p, long po, long ps, float[] s, int so, float[] x, int xo, int xs,
                                float[] acc, int ao, int as, int len) {
        FloatVector a00 = FloatVector.fromArray(F, acc, ao);
        FloatVector a01 = FloatVector.fromArray(F, acc, ao + L);
        FloatVector a02 = FloatVector.fromArray(F, acc, ao + 2 * L);
        FloatVector a10 = FloatVector.fromArray(F, acc, ao + as);
        FloatVector a11 = FloatVector.fromArray(F, acc, ao + as + L);
        FloatVector a12 = FloatVector.fromArray(F, acc, ao + as + 2 * L);
        FloatVector a20 = FloatVector.fromArray(F, acc, ao + 2 * as);
        FloatVector a21 = FloatVector.fromArray(F, acc, ao + 2 * as + L);
        FloatVector a22 = FloatVector.fromArray(F, acc, ao + 2 * as + 2 * L);
        FloatVector a30 = FloatVector.fromArray(F, acc, ao + 3 * as);
        FloatVector a31 = FloatVector.fromArray(F, acc, ao + 3 * as + L);
        FloatVector a32 = FloatVector.fromArray(F, acc, ao + 3 * as + 2 * L);
        for (int b = 0; b < len / STEP; b++) {
            for (int h = 0; h < STEP_VECTORS; h++) {
                int i = b * STEP + h * L;
                FloatVector w0 = stepWeights(p, po, b, h, s, so);
                FloatVector w1 = stepWeights(p, po + ps, b, h, s, so + ROW_SCALES);
                FloatVector w2 = stepWeights(p, po + 2 * ps, b, h, s, so + 2 * ROW_SCALES);
                FloatVector w3 = stepWeights(p, po + 3 * ps, b, h, s, so + 3 * ROW_SCALES);
                FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
                a00 = w0.fma(x0, a00);
                a10 = w1.fma(x0, a10);
                a20 = w2.fma(x0, a20);
                a30 = w3.fma(x0, a30);
                FloatVector x1 = FloatVector.fromArray(F, x, xo + xs + i);
                a01 = w0.fma(x1, a01);
                a11 = w1.fma(x1, a11);
                a21 = w2.fma(x1, a21);
                a31 = w3.fma(x1, a31);
                FloatVector x2 = FloatVector.fromArray(F, x, xo + 2 * xs + i);
                a02 = w0.fma(x2, a02);
                a12 = w1.fma(x2, a12);
                a22 = w2.fma(x2, a22);
                a32 = w3.fma(x2, a32);
            }
        }
        a00.intoArray(acc, ao);
        a01.intoArray(acc, ao + L);
        a02.intoArray(acc, ao + 2 * L);
        a10.intoArray(acc, ao + as);
        a11.intoArray(acc, ao + as + L);
        a12.intoArray(acc, ao + as + 2 * L);
        a20.intoArray(acc, ao + 2 * as);
        a21.intoArray(acc, ao + 2 * as + L);
        a22.intoArray(acc, ao + 2 * as + 2 * L);
        a30.intoArray(acc, ao + 3 * as);
        a31.intoArray(acc, ao + 3 * as + L);
        a32.intoArray(acc, ao + 3 * as + 2 * L);
    }

    /** 4 rows x 2 tokens: 8 accumulators. */
    private static void tile4x2(MemorySegment p, long po, long ps, float[] s, int so, float[] x, int xo, int xs,
                                float[] acc, int ao, int as, int len) {
        FloatVector a00 = FloatVector.fromArray(F, acc, ao);
        FloatVector a01 = FloatVector.fromArray(F, acc, ao + L);
        FloatVector a10 = FloatVector.fromArray(F, acc, ao + as);
        FloatVector a11 = FloatVector.fromArray(F, acc, ao + as + L);
        FloatVector a20 = FloatVector.fromArray(F, acc, ao + 2 * as);
        FloatVector a21 = FloatVector.fromArray(F, acc, ao + 2 * as + L);
        FloatVector a30 = FloatVector.fromArray(F, acc, ao + 3 * as);
        FloatVector a31 = FloatVector.fromArray(F, acc, ao + 3 * as + L);
        for (int b = 0; b < len / STEP; b++) {
            for (int h = 0; h < STEP_VECTORS; h++) {
                int i = b * STEP + h * L;
                FloatVector w0 = stepWeights(p, po, b, h, s, so);
                FloatVector w1 = stepWeights(p, po + ps, b, h, s, so + ROW_SCALES);
                FloatVector w2 = stepWeights(p, po + 2 * ps, b, h, s, so + 2 * ROW_SCALES);
                FloatVector w3 = stepWeights(p, po + 3 * ps, b, h, s, so + 3 * ROW_SCALES);
                FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
                a00 = w0.fma(x0, a00);
                a10 = w1.fma(x0, a10);
                a20 = w2.fma(x0, a20);
                a30 = w3.fma(x0, a30);
                FloatVector x1 = FloatVector.fromArray(F, x, xo + xs + i);
                a01 = w0.fma(x1, a01);
                a11 = w1.fma(x1, a11);
                a21 = w2.fma(x1, a21);
                a31 = w3.fma(x1, a31);
            }
        }
        a00.intoArray(acc, ao);
        a01.intoArray(acc, ao + L);
        a10.intoArray(acc, ao + as);
        a11.intoArray(acc, ao + as + L);
        a20.intoArray(acc, ao + 2 * as);
        a21.intoArray(acc, ao + 2 * as + L);
        a30.intoArray(acc, ao + 3 * as);
        a31.intoArray(acc, ao + 3 * as + L);
    }

    /** 4 rows x 1 token: 4 accumulators. */
    private static void tile4x1(MemorySegment p, long po, long ps, float[] s, int so, float[] x, int xo, int xs,
                                float[] acc, int ao, int as, int len) {
        FloatVector a00 = FloatVector.fromArray(F, acc, ao);
        FloatVector a10 = FloatVector.fromArray(F, acc, ao + as);
        FloatVector a20 = FloatVector.fromArray(F, acc, ao + 2 * as);
        FloatVector a30 = FloatVector.fromArray(F, acc, ao + 3 * as);
        for (int b = 0; b < len / STEP; b++) {
            for (int h = 0; h < STEP_VECTORS; h++) {
                int i = b * STEP + h * L;
                FloatVector w0 = stepWeights(p, po, b, h, s, so);
                FloatVector w1 = stepWeights(p, po + ps, b, h, s, so + ROW_SCALES);
                FloatVector w2 = stepWeights(p, po + 2 * ps, b, h, s, so + 2 * ROW_SCALES);
                FloatVector w3 = stepWeights(p, po + 3 * ps, b, h, s, so + 3 * ROW_SCALES);
                FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
                a00 = w0.fma(x0, a00);
                a10 = w1.fma(x0, a10);
                a20 = w2.fma(x0, a20);
                a30 = w3.fma(x0, a30);
            }
        }
        a00.intoArray(acc, ao);
        a10.intoArray(acc, ao + as);
        a20.intoArray(acc, ao + 2 * as);
        a30.intoArray(acc, ao + 3 * as);
    }

    /**
     * Lanes of weights from element {@code i} of the row that starts at element {@code row} (a
     * multiple of any block: rows are whole blocks): widened in registers from the tensor, or fp32
     * panel. Row and column apart, so that a block format's addressing of the column is computed
     * once for the tile's rows and the row's part is hoisted out of the loop. A block format's scales
     * come from {@code s[so..]}, the row's scales of the pass converted by {@link CpuWeightFormat#tileScales}.
     */
    private static FloatVector weights(MemorySegment p, long row, int i, float[] s, int so) {
        return KIND == CpuWeightFormat.BF16_LANES ? CpuWeightFormat.bf16Lanes(p, row + i)
                : KIND == CpuWeightFormat.Q8_0_LANES ? CpuWeightFormat.q8_0Lanes(p, row, i, s, so)
                : FloatVector.fromMemorySegment(F, p, 4L * (row + i), ByteOrder.nativeOrder());
    }

    /**
     * {@link #weights} of vector {@code h} of step {@code b} ({@link #STEP} elements), for the tiles that
     * loop over steps: a Q8_0 step's two vectors share their block's offset and scale
     * ({@link CpuWeightFormat#q8_0StepLanes}).
     */
    private static FloatVector stepWeights(MemorySegment p, long row, int b, int h, float[] s, int so) {
        return KIND == CpuWeightFormat.Q8_0_LANES ? CpuWeightFormat.q8_0StepLanes(p, row, b, h, s, so)
                : weights(p, row, b * STEP + h * L, s, so);
    }

    /**
     * One row, one token, vectors {@code [from, to)} of the pass (element offsets, multiples of the
     * lanes): the rows left over below 4, and a pass's last vector when its width is an odd number of
     * vectors.
     */
    private static void tile1x1(MemorySegment p, long po, float[] s, int so, float[] x, int xo, float[] acc,
                                int ao, int from, int to) {
        FloatVector a = FloatVector.fromArray(F, acc, ao);
        for (int i = from; i < to; i += L) {
            a = weights(p, po, i, s, so).fma(FloatVector.fromArray(F, x, xo + i), a);
        }
        a.intoArray(acc, ao);
    }
}
