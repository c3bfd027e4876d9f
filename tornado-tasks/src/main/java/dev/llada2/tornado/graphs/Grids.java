package dev.llada2.tornado.graphs;

import dev.llada2.tornado.kernels.AttentionKernels;
import dev.llada2.tornado.kernels.HeadKernels;
import dev.llada2.tornado.kernels.MatMulKernels;
import dev.llada2.tornado.kernels.MoeKernels;
import dev.llada2.tornado.kernels.NormKernels;
import dev.llada2.tornado.kernels.RopeKernels;
import dev.llada2.tornado.kernels.StreamKernels;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;

/**
 * Every work-group size and grid shape of the backend, in one place. All kernels use 1-D grids of
 * one of two shapes:
 * <ul>
 *   <li>{@link #groups}: one work-group of {@code L} threads per unit of work (a token row, a slice
 *       of output rows, a (token, head) pair, a (KV head, slice of queries), a vocabulary chunk);
 *       global size {@code units * L};</li>
 *   <li>{@link #items}: one work-item per unit (an element, a token, an expert), rounded up to
 *       {@value #ITEM_LOCAL}; kernels ignore the surplus;</li>
 * </ul>
 * and the local sizes below. Grids are sized for the largest pass ({@code maxTokens}, head rows),
 * never for the current one: kernels read the current counts from the params array and let the
 * surplus work-groups exit, so one compiled graph serves every pass.
 */
public final class Grids {

    /** Local size of one-item-per-unit kernels. */
    public static final int ITEM_LOCAL = 64;
    /** Vocabulary entries reduced by one work-group of the greedy head. */
    public static final int GREEDY_CHUNK = 4096;
    /** Threads per work-group of the device profiler's streaming read. */
    public static final int STREAM_THREADS = StreamKernels.MAX_THREADS;
    /** Most work-groups of the streaming read: enough to keep every compute unit of a large GPU busy. */
    public static final int STREAM_GROUPS = 2048;

    private Grids() {
    }

    /** {@code units} work-groups of {@code threads} work-items. */
    public static WorkerGrid groups(int units, int threads) {
        WorkerGrid g = new WorkerGrid1D(units * threads);
        g.setLocalWork(threads, 1, 1);
        return g;
    }

    /**
     * The expert kernels over a weight part of {@code partRows} rows, experts of {@code rowsPerExpert}
     * rows: a work-group of {@link MoeKernels#EXPERT_THREADS} threads per (expert, slice of rows).
     */
    public static WorkerGrid expertGroups(int partRows, int rowsPerExpert) {
        int slices = (rowsPerExpert + MoeKernels.EXPERT_THREADS - 1) / MoeKernels.EXPERT_THREADS;
        return groups(partRows / rowsPerExpert * slices, MoeKernels.EXPERT_THREADS);
    }

    /** One work-item per unit, rounded up to a whole work-group. */
    public static WorkerGrid items(int units) {
        int global = (units + ITEM_LOCAL - 1) / ITEM_LOCAL * ITEM_LOCAL;
        WorkerGrid g = new WorkerGrid1D(global);
        g.setLocalWork(ITEM_LOCAL, 1, 1);
        return g;
    }

    /**
     * The dense products over a weight part of {@code partRows} rows: a work-group of
     * {@link MatMulKernels#THREADS} threads per slice of {@link MatMulKernels#ROWS} rows.
     */
    public static WorkerGrid matmulGroups(int partRows) {
        return groups((partRows + MatMulKernels.ROWS - 1) / MatMulKernels.ROWS, MatMulKernels.THREADS);
    }

    /** Threads per row of an RMSNorm over {@code width} elements. */
    public static int normThreads(int width) {
        return Math.min(NormKernels.MAX_THREADS, powerOfTwoAtLeast(width));
    }

    /** Threads per head of the QK-norm/RoPE and attention kernels: one per head element. */
    public static int headThreads(int headDim) {
        if (headDim > RopeKernels.MAX_HEAD_DIM) {
            throw new IllegalArgumentException("head_dim " + headDim + " exceeds the kernels' limit of "
                    + RopeKernels.MAX_HEAD_DIM);
        }
        return powerOfTwoAtLeast(headDim);
    }

    /**
     * Keys per split of the attention ({@link AttentionKernels#attention}): 16 rounds of
     * {@link AttentionKernels#KEY_CHUNK} keys. A query with at most this many keys (a cache of up to
     * 256 positions) is done in one split and never merged; beyond, every 256 keys add a work-group per
     * (KV head, query slice). On LLaDA2 mini at a 32-token block (64 (KV head, slice) groups) a
     * 512-key cache gives 128 groups, about one per SM of an H200 (132), 1024 keys 256 and 4096 keys
     * 1024: the GPU fills from about 512 cached keys instead of staying half idle. Larger splits would
     * fill it only from longer caches; smaller ones add per-split work that does not shrink with the
     * keys (staging the group's 8 queries, writing their 8 partial states of {@code headDim + 2}
     * floats, the merge reading them back: about 3 % of a 256-key split's key/value staging at
     * head_dim 128).
     */
    public static final int ATTENTION_SPLIT_KEYS = 256;

    /** Splits over keys of the attention grid for caches of {@code maxSequence} positions. */
    public static int attentionSplits(int maxSequence) {
        return (maxSequence + ATTENTION_SPLIT_KEYS - 1) / ATTENTION_SPLIT_KEYS;
    }

    /**
     * Attention over passes of up to {@code maxTokens} tokens, {@code splits} splits over keys: per KV
     * head and split, a work-group of {@link #headThreads} threads per {@link AttentionKernels#QUERIES}
     * of its queries (query heads reading it x tokens).
     */
    public static WorkerGrid attentionGroups(int maxTokens, int heads, int kvHeads, int headDim, int splits) {
        int queries = maxTokens * (heads / kvHeads);
        return groups(kvHeads * ((queries + AttentionKernels.QUERIES - 1) / AttentionKernels.QUERIES) * splits,
                headThreads(headDim));
    }

    /** The merge of the attention's splits: a work-group of {@link #headThreads} threads per (token, query head). */
    public static WorkerGrid attentionMergeGroups(int maxTokens, int heads, int headDim) {
        return groups(maxTokens * heads, headThreads(headDim));
    }

    /** Threads per vocabulary chunk of the greedy head. */
    public static int greedyThreads(int chunk) {
        return Math.min(HeadKernels.MAX_THREADS, powerOfTwoAtLeast(chunk));
    }

    /** Vocabulary chunks of the greedy head. */
    public static int greedyChunks(int vocab, int chunk) {
        return (vocab + chunk - 1) / chunk;
    }

    /** Work-groups of the streaming read over {@code n} elements (each work-item strides over the array). */
    public static int streamGroups(int n) {
        return Math.max(1, Math.min(STREAM_GROUPS, (n + STREAM_THREADS - 1) / STREAM_THREADS));
    }

    /** {@code n} rounded up to a multiple of the matmul token tile (activation buffers are padded so). */
    public static int paddedTokens(int n) {
        return (n + MatMulKernels.TILE - 1) / MatMulKernels.TILE * MatMulKernels.TILE;
    }

    static int powerOfTwoAtLeast(int n) {
        int p = 1;
        while (p < n) {
            p <<= 1;
        }
        return p;
    }
}
