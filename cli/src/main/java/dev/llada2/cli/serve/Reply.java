package dev.llada2.cli.serve;

import dev.llada2.decode.DecodeResult;

/**
 * Where a queued generation sends its outcome: the HTTP response of its request. Called on the
 * generation thread, in this order: {@link #start}, {@link #piece} per finished block, then
 * {@link #finish} or {@link #fail}; or {@link #fail} alone when the request never ran.
 */
interface Reply {

    /** The generation begins (a streaming reply sends its headers and opening chunk). */
    void start();

    /** A finished block: its text (possibly empty) and its token ids. */
    void piece(String text, int[] ids);

    void finish(Answer answer);

    void fail(ApiError error);

    /**
     * The client went away: nothing can be sent; only bookkeeping remains.
     *
     * @param result what the cancelled generation did, or null when it never started
     */
    void abandoned(DecodeResult result);
}
