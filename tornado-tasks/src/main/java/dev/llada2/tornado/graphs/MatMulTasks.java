package dev.llada2.tornado.graphs;

import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.kernels.MatMulKernels;
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
     * {@code y = W x} for the first {@code counts[0]} token rows of {@code x}: one task per part of
     * {@code w}, one work-group of {@link Grids#matmulThreads} threads per weight row. The caller
     * declares the transfers ({@link GraphBuilder#uploadWeights} for {@code w}).
     */
    public static void add(GraphBuilder b, TaskName.Op op, DeviceMatrix w, FloatArray x, IntArray counts,
                           FloatArray scale, FloatArray y) {
        int threads = Grids.matmulThreads(w.cols());
        for (int p = 0; p < w.parts().size(); p++) {
            DeviceMatrix.Part part = w.parts().get(p);
            TaskName t = b.task(op, p, Grids.groups(part.rows(), threads));
            b.add(createPackage(t.task(), MatMulKernels::matmul, b.context(), part.words(), x, counts, scale, y,
                    w.cols(), w.format(), w.rows(), part.firstRow()), y);
        }
    }
}
