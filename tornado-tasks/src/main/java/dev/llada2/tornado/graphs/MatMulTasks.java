package dev.llada2.tornado.graphs;

import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.kernels.MatMulKernels;
import dev.llada2.weights.Matrix;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

/**
 * The {@link MatMulKernels#matmul} tasks of one weight, declared in one place for the layer graphs,
 * the LM head, the self-test and the device profiler:
 *
 * <pre>
 *   {op}[_pK]   x, w part K   --&gt; rows firstRow(K).. of y [counts[0], w.rows]
 * </pre>
 */
public final class MatMulTasks {

    private MatMulTasks() {
    }

    /**
     * A weight in the layout the dense kernels read ({@link MatMulKernels#matmul},
     * {@link MatMulKernels#gateUpSwiGlu}): split into parts of at most {@code maxPartBytes}, each part
     * k-major ({@link DeviceMatrix#kMajor}).
     */
    public static DeviceMatrix upload(Matrix m, long maxPartBytes) {
        return DeviceMatrix.upload(m, maxPartBytes).kMajor();
    }

    /**
     * {@code y = W x} for the first {@code counts[0]} token rows of {@code x}: one task per part of
     * {@code w} (k-major, {@link #upload}), a work-group per slice of rows ({@link Grids#matmulGroups}).
     * The caller declares the transfers ({@link GraphBuilder#uploadWeights} for {@code w}).
     */
    public static void add(GraphBuilder b, TaskName.Op op, DeviceMatrix w, FloatArray x, IntArray counts,
                           FloatArray scale, FloatArray y) {
        for (int p = 0; p < w.parts().size(); p++) {
            DeviceMatrix.Part part = w.parts().get(p);
            TaskName t = b.task(op, p, Grids.matmulGroups(part.rows()));
            b.add(createPackage(t.task(), MatMulKernels::matmul, b.context(), part.words(), x, counts, scale, y,
                    w.cols(), w.format(), w.rows(), part.firstRow()), y);
        }
    }
}
