package dev.llada2.tornado.graphs;

import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.kernels.MatMulKernels;
import dev.llada2.weights.MlpWeights;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

/**
 * A SwiGLU MLP over every token of the pass (spec §4.4): the dense MLP of the first layers and the
 * shared expert of MoE layers.
 *
 * <pre>
 *   {gateUp}[_pK]   m, gate_proj/up_proj part K   --&gt; h [T, inter] = silu(gate m) * (up m)
 *   {down}[_pK]     h, down_proj part K           --&gt; out [T, H]
 * </pre>
 */
final class DenseMlpTasks {

    private DenseMlpTasks() {
    }

    /** Declares the weights and scratch (h); the caller has declared {@code m} and {@code out}. */
    static void add(GraphBuilder b, MlpWeights w, FloatArray m, FloatArray out, SharedBuffers sh, LayerScratch scratch,
                    long maxPartBytes, TaskName.Op gateUpOp, TaskName.Op downOp) {
        DeviceMatrix gate = MatMulTasks.upload(w.gate(), maxPartBytes);
        DeviceMatrix up = MatMulTasks.upload(w.up(), maxPartBytes);
        DeviceMatrix down = MatMulTasks.upload(w.down(), maxPartBytes);
        int inter = w.intermediate();
        FloatArray h = scratch.activations(gateUpOp.name(), inter);
        b.uploadOnce(h);
        b.uploadWeights(gate, up, down);
        for (int p = 0; p < gate.parts().size(); p++) {
            DeviceMatrix.Part g = gate.parts().get(p);
            DeviceMatrix.Part u = up.parts().get(p);
            TaskName t = b.task(gateUpOp, p, Grids.matmulGroups(g.rows()));
            b.add(createPackage(t.task(), MatMulKernels::gateUpSwiGlu, b.context(), g.words(), u.words(), m,
                    sh.params(), sh.scale(), h, gate.cols(), gate.format(), inter, g.firstRow()), h);
        }
        MatMulTasks.add(b, downOp, down, h, sh.params(), sh.scale(), out);
    }
}
