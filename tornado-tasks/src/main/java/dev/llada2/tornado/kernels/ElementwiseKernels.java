package dev.llada2.tornado.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * One-element-per-work-item kernels over {@code [rows, width]} activations: the residual adds and
 * the optional projection biases. Their twins are {@code VectorOps.add}.
 *
 * <p>Grid (see {@code Grids.elementwise}): {@code maxRows * width} work-items rounded up to the local
 * size; items past {@code counts[0] * width} do nothing.
 */
public final class ElementwiseKernels {

    private ElementwiseKernels() {
    }

    /** {@code x[i] += delta[i]} for the rows that exist: the residual connection (spec §4.1). */
    public static void addInPlace(KernelContext context, FloatArray delta, IntArray counts, FloatArray x, int width) {
        int i = context.globalIdx;
        if (i < counts.get(0) * width) {
            x.set(i, x.get(i) + delta.get(i));
        }
    }

    /** {@code y[t][j] += bias[j]}: {@code use_qkv_bias} / {@code use_bias} checkpoints. */
    public static void addBias(KernelContext context, FloatArray bias, IntArray counts, FloatArray y, int width) {
        int i = context.globalIdx;
        if (i < counts.get(0) * width) {
            y.set(i, y.get(i) + bias.get(i % width));
        }
    }
}
