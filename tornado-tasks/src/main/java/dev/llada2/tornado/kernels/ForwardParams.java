package dev.llada2.tornado.kernels;

/**
 * Layout of the two small integer arrays that carry everything that changes from one execution to
 * the next. TornadoVM constant-folds scalar kernel arguments when it compiles a graph, so positions,
 * token counts and row lists can only reach a kernel through an array transferred
 * {@code EVERY_EXECUTION}.
 *
 * <p><b>params</b> (uploaded once per pass by the embedding graph, then kept on the device and read
 * by every later graph): {@code [TOKENS, START, BLOCK, reserved, token ids...]}.
 *
 * <p><b>head rows</b> (uploaded by the head graph each time it runs): {@code [COUNT, row...]}, rows
 * relative to the pass.
 *
 * <p>Both arrays keep their count at index 0: kernels that loop over "the rows that exist" read
 * {@code counts.get(0)} and serve either.
 */
public final class ForwardParams {

    /** Tokens in this pass (T). Also the count read by row-wise kernels. */
    public static final int TOKENS = 0;
    /** Absolute position of the pass's first token. */
    public static final int START = 1;
    /** Block length of a block-causal mask; 0 for no mask (bidirectional). */
    public static final int BLOCK = 2;
    /** Index of the first token id. */
    public static final int TOKEN_IDS = 4;

    /** Number of head rows in this head pass. */
    public static final int HEAD_COUNT = 0;
    /** Index of the first head row. */
    public static final int HEAD_ROWS = 1;

    private ForwardParams() {
    }

    /** Length of the params array for passes of at most {@code maxTokens} tokens. */
    public static int paramsLength(int maxTokens) {
        return TOKEN_IDS + maxTokens;
    }

    /** Length of the head-rows array for head passes of at most {@code maxRows} rows. */
    public static int headRowsLength(int maxRows) {
        return HEAD_ROWS + maxRows;
    }

    /**
     * Keys visible to the query at absolute position {@code pos} in a pass ending at {@code total}:
     * {@code [0, limit)}, block-causal when {@code block > 0} (spec §5), all when 0. Kernel code and
     * the host twins share it; it matches {@link dev.llada2.runtime.AttentionMask#keyLimit}.
     */
    public static int keyLimit(int pos, int total, int block) {
        int limit = total;
        if (block > 0) {
            int blockEnd = (pos / block + 1) * block;
            limit = blockEnd < total ? blockEnd : total;
        }
        return limit;
    }
}
