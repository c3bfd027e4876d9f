package dev.llada2.backend.cpu;

import dev.llada2.backend.cpu.format.CpuWeightFormat;
import dev.llada2.weights.Matrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Weight-times-activations for a block of tokens: {@code y[t][n] = sum_k W[n][k] x[t][k]}.
 *
 * <p>Diffusion decoding runs a whole block (up to 32 tokens) per forward, so the work is a
 * matrix-matrix product in which each weight row is read from memory once and reused for every
 * token. Rows are taken {@value #PANEL_ROWS} at a time; their weights are widened to fp32
 * {@value #PANEL_COLS} columns at a time into a per-thread panel (64 KB, off the heap so that
 * every vector load is cache-line aligned), and every token of the block runs over the panel in
 * register tiles of 4 rows x 6 tokens (24 accumulators and 5 operands: 29 of the 32 AVX-512
 * registers), so each loaded vector feeds several fused multiply-adds. BF16 and Q8_0 weights skip
 * the panel: their widening takes a few instructions (BF16: two; Q8_0: widen the int8 codes,
 * multiply by the block's scale, exact), so the tiles widen them in registers straight from the
 * tensor ({@link CpuWeightFormat#lanes}) and the weights' loads overlap the arithmetic (BF16: a
 * quarter less time than staging them; Q8_0: a fifth, measured on the LM head and on routed
 * experts). The Q4_K and Q6_K decoders stay on the panel.
 *
 * <p>Exactness: every (row, token) pair has one accumulator of fp32 lanes that runs over the
 * columns in order (kept in a per-thread array between panels) and is folded once at the end by
 * {@link VectorOps#sums}, which adds the lanes in {@link VectorOps#sum}'s order. A result is
 * therefore bit for bit the one-accumulator dot product of the widened row ({@link VectorOps#dot}), whatever the
 * tile, the number of tokens sharing the product (cached and uncached decoding agree) and the
 * number of threads. Rows are split across the device's threads in chunks claimed one by one.
 */
public final class MatMul {

    /** Rows whose weights are widened together. */
    static final int PANEL_ROWS = 8;
    /**
     * Columns per tile pass when weights are read in place (BF16: 4 KB of each row, one page; Q8_0:
     * 2176 bytes), read from its start to its end so the hardware prefetcher follows it (BF16 against
     * 512 columns: about 10% less time on the LM head and on 7-token expert products); a token
     * group's activations (48 KB for 6 tokens) then come from L2.
     */
    static final int IN_PLACE_COLS = 2048;
    /**
     * Columns per widened panel: a multiple of every block format's block (256) and of the lanes.
     * As wide as a pass in place: at the models' hidden size (2048) a panel is 8 whole rows, which lie
     * one after the other in the tensor, so its decoder reads one sequential run that the hardware
     * prefetcher follows (Q4_K/Q6_K against 512 columns: about a fifth less CPU time on the LM head and
     * on routed experts' 2048-column products, measured); the panel (64 KB) then sits in L2.
     */
    static final int PANEL_COLS = IN_PLACE_COLS;
    /**
     * Per-block scales kept per row of a tile pass: one per 32 columns (Q8_0's block, the smallest
     * block of a format the tiles read in place), converted to fp32 once per pass
     * ({@link CpuWeightFormat#tileScales}) instead of once per vector of every token group.
     */
    static final int ROW_SCALES = IN_PLACE_COLS / 32;
    /** Tokens whose accumulators are kept per row panel (a longer prefill is cut into such blocks). */
    static final int TOKEN_BLOCK = 48;
    /** Rows per claimed chunk of a parallel product. */
    private static final int CHUNK_ROWS = 4 * PANEL_ROWS;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread buffers, fixed size (about 100 KB with 16 lanes, 64 KB of it the panel). */
    private static final class Scratch {
        final float[] widened = new float[PANEL_COLS];
        /** The panel the tiles read: off the heap, so its vectors start on cache lines (a heap array's do not). */
        final MemorySegment panel = Arena.ofAuto().allocate(4L * PANEL_ROWS * PANEL_COLS, 64);
        final float[] tail = new float[PANEL_ROWS * L];
        /** Row r's block scales of the current tile pass from {@code r * ROW_SCALES}. */
        final float[] scales = new float[PANEL_ROWS * ROW_SCALES];
        final float[] acc = new float[PANEL_ROWS * TOKEN_BLOCK * L];
        final float[] sums = new float[PANEL_ROWS * TOKEN_BLOCK];
        final float[] foldTmp = new float[L * L / 2];
    }

    private MatMul() {
    }

    /** {@code y[t*rows + n]} for all rows of {@code w}, {@code x[t*cols + k]}, in parallel on {@code device}. */
    public static void multiply(CpuDevice device, Matrix w, float[] x, int tokens, float[] y) {
        multiplyRows(device, w, 0, w.rows(), x, tokens, y, w.rows(), 0);
    }

    /**
     * Rows {@code [from, to)} of {@code w} into {@code y[t*ldy + yOff + (n - from)]}, in parallel.
     */
    public static void multiplyRows(CpuDevice device, Matrix w, int from, int to, float[] x, int tokens,
                                    float[] y, int ldy, int yOff) {
        int chunks = (to - from + CHUNK_ROWS - 1) / CHUNK_ROWS;
        device.parallelFor(chunks, c -> {
            int a = from + c * CHUNK_ROWS;
            int b = Math.min(to, a + CHUNK_ROWS);
            rows(w, a, b, x, tokens, y, ldy, yOff + (a - from));
        });
    }

    /**
     * Single-threaded: rows {@code [from, to)} into {@code y[t*ldy + yOff + (n - from)]}; {@code x}
     * holds {@code tokens} rows of {@code w.cols()} values.
     */
    public static void rows(Matrix w, int from, int to, float[] x, int tokens, float[] y, int ldy, int yOff) {
        CpuWeightFormat format = CpuWeightFormat.of(w.dtype());
        int k = w.cols();
        Scratch sc = SCRATCH.get();
        int kv = k - k % L;
        for (int t0 = 0; t0 < tokens; t0 += TOKEN_BLOCK) {
            int tc = Math.min(TOKEN_BLOCK, tokens - t0);
            for (int n = from; n < to; n += PANEL_ROWS) {
                int rc = Math.min(PANEL_ROWS, to - n);
                panelRows(format, w, n, rc, x, t0, tc, sc);
                for (int r = 0; r < rc; r++) {
                    for (int j = 0; j < tc; j++) {
                        float v = sc.sums[r * tc + j];
                        // columns past the last whole vector, added one by one after the fold as dot does
                        for (int i = kv; i < k; i++) {
                            v += sc.tail[r * L + i - kv] * x[(t0 + j) * k + i];
                        }
                        y[(t0 + j) * ldy + yOff + (n - from) + r] = v;
                    }
                }
            }
        }
    }

    /**
     * Rows {@code [n, n + rc)} against tokens {@code [t0, t0 + tc)}: the lane sums land in
     * {@code sc.sums[r * tc + j]}, the columns past the last whole vector in {@code sc.tail}.
     */
    private static void panelRows(CpuWeightFormat format, Matrix w, int n, int rc, float[] x, int t0, int tc,
                                  Scratch sc) {
        int k = w.cols();
        int kv = k - k % L;
        float[] acc = sc.acc;
        int vectors = rc * tc;
        Arrays.fill(acc, 0, vectors * L, 0f);
        int kind = format.tileLanes();
        int step = kind != CpuWeightFormat.PANEL ? IN_PLACE_COLS : PANEL_COLS;
        for (int c0 = 0; c0 < kv; c0 += step) {
            int width = Math.min(step, kv - c0);
            if (kind != CpuWeightFormat.PANEL) {
                // BF16 and Q8_0 widen in a few instructions: the tiles read the weights where they are
                for (int r = 0; r < rc; r++) {
                    format.tileScales(w.data(), (long) (n + r) * k + c0, width, sc.scales, r * ROW_SCALES);
                }
                tiles(w.data(), (long) n * k + c0, k, kind, sc.scales, rc, x, t0 * k + c0, k, tc, acc, width);
            } else {
                for (int r = 0; r < rc; r++) {
                    format.decode(w.data(), (long) (n + r) * k + c0, width, sc.widened, sc.panel, 4L * r * width);
                }
                tiles(sc.panel, 0, width, CpuWeightFormat.PANEL, sc.scales, rc, x, t0 * k + c0, k, tc, acc, width);
            }
        }
        if (kv < k) {
            for (int r = 0; r < rc; r++) {
                format.decode(w.data(), (long) (n + r) * k + kv, k - kv, sc.tail, r * L);
            }
        }
        for (int v = 0; v < vectors; v += L) {
            VectorOps.sums(acc, v * L, Math.min(L, vectors - v), sc.foldTmp, sc.sums, v);
        }
    }

    /**
     * {@code rc} rows of {@code width} columns against {@code tc} tokens ({@code x[xo + j*xs ..]}): the
     * rows start at element {@code po} of {@code p} with stride {@code ps}, in the tensor when
     * {@code kind} is not {@link CpuWeightFormat#PANEL} (widened by {@link CpuWeightFormat#lanes}), else fp32
     * in the panel. Accumulator of row r, token j at {@code acc[(r * tc + j) * L]}.
     * Tokens are the outer loop, in groups of at most 6, so a group's activations meet every row
     * while in cache.
     */
    private static void tiles(MemorySegment p, long po, long ps, int kind, float[] s, int rc, float[] x, int xo,
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
                    case 6 -> tile4x6(p, pr, ps, kind, s, r * ROW_SCALES, x, xj, xs, acc, aj, as, width);
                    case 5 -> tile4x5(p, pr, ps, kind, s, r * ROW_SCALES, x, xj, xs, acc, aj, as, width);
                    case 4 -> tile4x4(p, pr, ps, kind, s, r * ROW_SCALES, x, xj, xs, acc, aj, as, width);
                    case 3 -> tile4x3(p, pr, ps, kind, s, r * ROW_SCALES, x, xj, xs, acc, aj, as, width);
                    case 2 -> tile4x2(p, pr, ps, kind, s, r * ROW_SCALES, x, xj, xs, acc, aj, as, width);
                    default -> tile4x1(p, pr, ps, kind, s, r * ROW_SCALES, x, xj, xs, acc, aj, as, width);
                }
            }
            j += size;
        }
        for (int r = rows4; r < rc; r++) {
            for (int j = 0; j < tc; j++) {
                tile1x1(p, po + r * ps, kind, s, r * ROW_SCALES, x, xo + j * xs, acc, r * as + j * L, width);
            }
        }
    }

    // One method per tile width, written out: C2 keeps named FloatVector locals in registers but an
    // accumulator array (or a loop over tokens inside the tile) in memory, so a generic tile would run
    // at a fraction of the FMA rate. The six methods differ only in how many tokens they carry.

    /** 4 rows x 6 tokens: 24 accumulators and 5 more registers for the operands. */
    private static void tile4x6(MemorySegment p, long po, long ps, int kind, float[] s, int so, float[] x, int xo, int xs,
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
        for (int i = 0; i < len; i += L) {
            FloatVector w0 = weights(p, po, i, kind, s, so);
            FloatVector w1 = weights(p, po + ps, i, kind, s, so + ROW_SCALES);
            FloatVector w2 = weights(p, po + 2 * ps, i, kind, s, so + 2 * ROW_SCALES);
            FloatVector w3 = weights(p, po + 3 * ps, i, kind, s, so + 3 * ROW_SCALES);
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
    private static void tile4x5(MemorySegment p, long po, long ps, int kind, float[] s, int so, float[] x, int xo, int xs,
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
        for (int i = 0; i < len; i += L) {
            FloatVector w0 = weights(p, po, i, kind, s, so);
            FloatVector w1 = weights(p, po + ps, i, kind, s, so + ROW_SCALES);
            FloatVector w2 = weights(p, po + 2 * ps, i, kind, s, so + 2 * ROW_SCALES);
            FloatVector w3 = weights(p, po + 3 * ps, i, kind, s, so + 3 * ROW_SCALES);
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
    private static void tile4x4(MemorySegment p, long po, long ps, int kind, float[] s, int so, float[] x, int xo, int xs,
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
        for (int i = 0; i < len; i += L) {
            FloatVector w0 = weights(p, po, i, kind, s, so);
            FloatVector w1 = weights(p, po + ps, i, kind, s, so + ROW_SCALES);
            FloatVector w2 = weights(p, po + 2 * ps, i, kind, s, so + 2 * ROW_SCALES);
            FloatVector w3 = weights(p, po + 3 * ps, i, kind, s, so + 3 * ROW_SCALES);
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
    private static void tile4x3(MemorySegment p, long po, long ps, int kind, float[] s, int so, float[] x, int xo, int xs,
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
        for (int i = 0; i < len; i += L) {
            FloatVector w0 = weights(p, po, i, kind, s, so);
            FloatVector w1 = weights(p, po + ps, i, kind, s, so + ROW_SCALES);
            FloatVector w2 = weights(p, po + 2 * ps, i, kind, s, so + 2 * ROW_SCALES);
            FloatVector w3 = weights(p, po + 3 * ps, i, kind, s, so + 3 * ROW_SCALES);
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
    private static void tile4x2(MemorySegment p, long po, long ps, int kind, float[] s, int so, float[] x, int xo, int xs,
                                float[] acc, int ao, int as, int len) {
        FloatVector a00 = FloatVector.fromArray(F, acc, ao);
        FloatVector a01 = FloatVector.fromArray(F, acc, ao + L);
        FloatVector a10 = FloatVector.fromArray(F, acc, ao + as);
        FloatVector a11 = FloatVector.fromArray(F, acc, ao + as + L);
        FloatVector a20 = FloatVector.fromArray(F, acc, ao + 2 * as);
        FloatVector a21 = FloatVector.fromArray(F, acc, ao + 2 * as + L);
        FloatVector a30 = FloatVector.fromArray(F, acc, ao + 3 * as);
        FloatVector a31 = FloatVector.fromArray(F, acc, ao + 3 * as + L);
        for (int i = 0; i < len; i += L) {
            FloatVector w0 = weights(p, po, i, kind, s, so);
            FloatVector w1 = weights(p, po + ps, i, kind, s, so + ROW_SCALES);
            FloatVector w2 = weights(p, po + 2 * ps, i, kind, s, so + 2 * ROW_SCALES);
            FloatVector w3 = weights(p, po + 3 * ps, i, kind, s, so + 3 * ROW_SCALES);
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
    private static void tile4x1(MemorySegment p, long po, long ps, int kind, float[] s, int so, float[] x, int xo, int xs,
                                float[] acc, int ao, int as, int len) {
        FloatVector a00 = FloatVector.fromArray(F, acc, ao);
        FloatVector a10 = FloatVector.fromArray(F, acc, ao + as);
        FloatVector a20 = FloatVector.fromArray(F, acc, ao + 2 * as);
        FloatVector a30 = FloatVector.fromArray(F, acc, ao + 3 * as);
        for (int i = 0; i < len; i += L) {
            FloatVector w0 = weights(p, po, i, kind, s, so);
            FloatVector w1 = weights(p, po + ps, i, kind, s, so + ROW_SCALES);
            FloatVector w2 = weights(p, po + 2 * ps, i, kind, s, so + 2 * ROW_SCALES);
            FloatVector w3 = weights(p, po + 3 * ps, i, kind, s, so + 3 * ROW_SCALES);
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
            a00 = w0.fma(x0, a00);
            a10 = w1.fma(x0, a10);
            a20 = w2.fma(x0, a20);
            a30 = w3.fma(x0, a30);
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
    private static FloatVector weights(MemorySegment p, long row, int i, int kind, float[] s, int so) {
        return kind != CpuWeightFormat.PANEL ? CpuWeightFormat.lanes(kind, p, row, i, s, so)
                : FloatVector.fromMemorySegment(F, p, 4L * (row + i), ByteOrder.nativeOrder());
    }

    /** The rows left over below 4: one row, one token. */
    private static void tile1x1(MemorySegment p, long po, int kind, float[] s, int so, float[] x, int xo, float[] acc,
                                int ao, int len) {
        FloatVector a = FloatVector.fromArray(F, acc, ao);
        for (int i = 0; i < len; i += L) {
            a = weights(p, po, i, kind, s, so).fma(FloatVector.fromArray(F, x, xo + i), a);
        }
        a.intoArray(acc, ao);
    }
}
