package dev.llada2.decode;

import java.util.Arrays;

/**
 * The block being decoded, as a {@link CommitPolicy} sees it: its tokens (a view of the canvas), the
 * rows that held a token when the block started (the tail of an unaligned prompt: never predicted,
 * never changed), and how many forwards the block has run. Rows are relative to the block's start.
 *
 * <p>The decoder owns it and applies each {@link CommitPolicy.Decision}; a policy only reads it.
 * {@link #resume} rebuilds one from a recorded trace, so that a policy can be replayed forward by
 * forward.
 */
public final class CurrentBlock {

    private final int[] canvas;
    private final int index;
    private final int start;
    private final int length;
    private final int maskId;
    private final boolean[] fixed;
    private int forwards;
    private int filledForwards;

    /** Block {@code index} of the canvas at the moment it starts: every row holding a token is fixed. */
    public CurrentBlock(int[] canvas, int index, int length, int maskId) {
        this.canvas = canvas;
        this.index = index;
        this.start = index * length;
        this.length = length;
        this.maskId = maskId;
        this.fixed = new boolean[length];
        for (int r = 0; r < length; r++) {
            fixed[r] = canvas[start + r] != maskId;
        }
    }

    /**
     * A block in the middle of its decoding, from a trace: its fixed rows, the forwards it has run and,
     * of those, how many started with no masked row.
     */
    public static CurrentBlock resume(int[] canvas, int index, int length, int maskId, int[] fixedRows,
                                      int forwards, int filledForwards) {
        CurrentBlock b = new CurrentBlock(canvas, index, length, maskId);
        Arrays.fill(b.fixed, false);
        for (int r : fixedRows) {
            b.fixed[r] = true;
        }
        b.forwards = forwards;
        b.filledForwards = filledForwards;
        return b;
    }

    public int index() {
        return index;
    }

    /** Absolute canvas position of row 0. */
    public int start() {
        return start;
    }

    public int length() {
        return length;
    }

    public int token(int row) {
        return canvas[start + row];
    }

    public boolean masked(int row) {
        return canvas[start + row] == maskId;
    }

    /** The row held a token when the block started (prompt): it is never predicted or changed. */
    public boolean fixed(int row) {
        return fixed[row];
    }

    /** Rows still holding the mask token, ascending. */
    public int[] maskedRows() {
        return rows(true);
    }

    /** Rows that are not fixed (masked or generated), ascending. */
    public int[] openRows() {
        return rows(false);
    }

    private int[] rows(boolean maskedOnly) {
        int[] out = new int[length];
        int n = 0;
        for (int r = 0; r < length; r++) {
            if (maskedOnly ? masked(r) : !fixed[r]) {
                out[n++] = r;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** Forwards this block has run so far (while deciding, the index of the current one). */
    public int forwards() {
        return forwards;
    }

    /** Of {@link #forwards()}, those that started with no masked row (the joint rule's post-edit steps). */
    public int filledForwards() {
        return filledForwards;
    }

    /** Writes one row (the decoder applying a decision). */
    void write(int row, int token) {
        canvas[start + row] = token;
    }

    /** One forward was decided; {@code hadMasks}: the block had masked rows before it. */
    void countForward(boolean hadMasks) {
        forwards++;
        if (!hadMasks) {
            filledForwards++;
        }
    }
}
