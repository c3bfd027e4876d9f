package dev.llada2.backend.cpu;

import dev.llada2.backend.cpu.format.CpuWeightFormat;
import dev.llada2.weights.Matrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
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
 * tensor ({@link CpuWeightFormat#bf16Lanes}, {@link CpuWeightFormat#q8_0Lanes}) and the weights'
 * loads overlap the arithmetic (BF16: a quarter less time than staging them; Q8_0: a fifth, measured
 * on the LM head and on routed experts); {@link JitInlining} makes C2 inline those loads into the
 * tiles whatever their profile (a race otherwise, that boxed every weight vector once in CI), and the
 * tiles of up to 4 tokens step over whole Q8_0 blocks, so that a block's addressing is linear and
 * shared by its two vectors ({@link Tiles#STEP}: routed experts' one-token Q8_0 products a fifth
 * faster). The Q4_K and Q6_K decoders stay on the panel: their widening in registers (unpack 4- or
 * 6-bit codes, apply a sub-block's factors) compiles to too much code for C2, which then leaves the
 * loads as calls returning boxed vectors, megabytes per product and 2–4x the time. Q6_K did so in
 * every tile; Q4_K in the 4 x 6 tile, and in the others whenever C2 happened to compile the load on
 * its own before the tiles (then "already compiled into a medium method": 4 of 9 JVMs on an AMD EPYC
 * Zen 4; the race {@link JitInlining} now closes for BF16 and Q8_0), for a gain of 0–10% on
 * few-token experts when it did not; retried for 1–4 tokens with the race closed, it gained nothing
 * measurable, end to end or per expert product ({@code TileAllocationTest} guards every format's
 * products against allocating; perf/RESULTS.md).
 * Products of one token (Q4_K and Q6_K: up to two), a routed expert's usual share of a block on a
 * real model, take neither a panel nor the tiles: the format's decoder feeds each row's accumulators
 * itself, one row at a time ({@link CpuWeightFormat#accumulateRow}). Same arithmetic in the same
 * order, so bit-identical; an expert's one-token product from memory in 0.6x the time for Q4_K and
 * Q6_K, 0.6–0.85x for Q8_0 (two tokens: Q4_K a quarter less, Q6_K 7–20% less; perf/RESULTS.md).
 * With more tokens per row the tiles' reuse of each loaded vector wins.
 * For BF16 and Q8_0 the choice is the format's, not the token count's: on an Intel Xeon with two
 * FMA ports, where the widening competes with the FMAs (each 6-token group widens the weights
 * again, which might have favoured a panel for large blocks), an fp32 panel of BF16 took more time
 * at every token count from 1 to 32 (the dense 32-token products 13–60% more: the 64 KB panel does
 * not fit L1 and doubles the weight bytes the tiles read from L2), and one of Q8_0 less only for
 * the dense 32-token products (10–25%, on a loaded machine) but more for the head's 32 tokens and
 * for 2–12-token experts (perf/RESULTS.md).
 * Each kind runs its own copy of the tiles ({@link Tiles}), so products of several formats in one
 * JVM do not slow each other.
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
    static {
        // before any tile is compiled: C2 must inline the weight loads into the tiles (JitInlining)
        JitInlining.ensureInstalled();
    }

    /** The tiles for each {@link CpuWeightFormat#tileLanes()} kind, by kind: one {@link Tiles} copy each. */
    private static final TileKernel[] TILES = tileCopies(CpuWeightFormat.Q8_0_LANES + 1);
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

    /** {@link Tiles#tiles}: how the driver calls a kind's copy of the tiles. */
    interface TileKernel {
        void tiles(MemorySegment p, long po, long ps, float[] s, int rc, float[] x, int xo, int xs, int tc,
                   float[] acc, int width);
    }

    /**
     * One copy of {@link Tiles} per kind, indexed by kind: a hidden class defined from its bytes with
     * the kind as class data (why: {@link Tiles}).
     */
    private static TileKernel[] tileCopies(int kinds) {
        try (InputStream in = MatMul.class.getResourceAsStream("Tiles.class")) {
            byte[] bytes = in.readAllBytes();
            TileKernel[] copies = new TileKernel[kinds];
            for (int kind = 0; kind < kinds; kind++) {
                MethodHandles.Lookup copy = MethodHandles.lookup().defineHiddenClassWithClassData(bytes, kind, true);
                copies[kind] = (TileKernel) copy.findConstructor(copy.lookupClass(), MethodType.methodType(void.class))
                        .invoke();
            }
            return copies;
        } catch (Throwable e) {
            throw new ExceptionInInitializerError(e);
        }
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
            if (tc <= format.rowTokens()) {
                for (int r = 0; r < rc; r++) {
                    format.accumulateRow(w.data(), (long) (n + r) * k + c0, width, x, t0 * k + c0, k, tc, acc,
                            r * tc * L, L);
                }
            } else if (kind != CpuWeightFormat.PANEL) {
                // BF16 and Q8_0 widen in a few instructions: the tiles read the weights where they are
                for (int r = 0; r < rc; r++) {
                    format.tileScales(w.data(), (long) (n + r) * k + c0, width, sc.scales, r * ROW_SCALES);
                }
                TILES[kind].tiles(w.data(), (long) n * k + c0, k, sc.scales, rc, x, t0 * k + c0, k, tc, acc, width);
            } else {
                for (int r = 0; r < rc; r++) {
                    format.decode(w.data(), (long) (n + r) * k + c0, width, sc.widened, sc.panel, 4L * r * width);
                }
                TILES[CpuWeightFormat.PANEL].tiles(sc.panel, 0, width, sc.scales, rc, x, t0 * k + c0, k, tc, acc, width);
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

}
