package dev.llada2.tornado.kernels;

import dev.llada2.tornado.format.WeightDecode;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * The embedding lookup {@code h = E[ids]} (spec §4.1, no scaling), reading the token ids from the
 * pass's params. Its twin is {@code CpuEngine.embed} (a row decode).
 */
public final class EmbeddingKernels {

    private EmbeddingKernels() {
    }

    /**
     * Writes {@code x[t][d] = table[id_t - firstRow][d]} for the tokens whose id lies in this part of
     * the table, {@code [firstRow, firstRow + partRows)} (a large vocabulary may be split into parts
     * that each fit one device buffer; one task per part).
     *
     * <p>Grid: {@code maxTokens * width} work-items rounded up to the local size, one element each.
     */
    public static void gather(KernelContext context, ShortArray table, IntArray params, FloatArray scale, FloatArray x,
                              int width, int format, int firstRow, int partRows) {
        int i = context.globalIdx;
        if (i < params.get(ForwardParams.TOKENS) * width) {
            int t = i / width;
            int d = i - t * width;
            int row = params.get(ForwardParams.TOKEN_IDS + t) - firstRow;
            if (row >= 0 && row < partRows) {
                x.set(i, WeightDecode.element(table, row * width + d, format, scale));
            }
        }
    }
}
