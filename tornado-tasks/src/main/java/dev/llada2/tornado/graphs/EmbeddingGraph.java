package dev.llada2.tornado.graphs;

import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.kernels.EmbeddingKernels;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;

/**
 * The first graph of a forward pass on the embedding's device.
 *
 * <pre>
 *   host --params (EVERY_EXECUTION)--&gt;  params
 *   host --once--&gt; word_embeddings parts, scale, hidden (zeros)
 *
 *   gather[_pK]:  params.token ids, word_embeddings part K  --&gt;  hidden [T, H]
 *
 *   kept on device for the layer graphs: params, hidden, scale
 * </pre>
 *
 * One task per part of the embedding table (one part unless the table exceeds the device's largest
 * buffer).
 */
public final class EmbeddingGraph {

    private EmbeddingGraph() {
    }

    public static BuiltGraph build(DeviceMatrix embeddings, SharedBuffers shared, GridScheduler grids) {
        GraphBuilder b = new GraphBuilder(TaskName.EMBEDDING_GRAPH, grids)
                .uploadEach(shared.params())
                .uploadOnce(shared.scale(), shared.hidden());
        int width = embeddings.cols();
        for (int p = 0; p < embeddings.parts().size(); p++) {
            DeviceMatrix.Part part = embeddings.parts().get(p);
            b.uploadOnce(part.words());
            TaskName t = b.task(TaskName.Op.GATHER, p, Grids.items(shared.maxTokens() * width));
            b.graph().task(t.task(), EmbeddingKernels::gather, new KernelContext(), part.words(), shared.params(),
                    shared.scale(), shared.hidden(), width, embeddings.format(), part.firstRow(), part.rows());
        }
        return b.keepOnDevice(shared.params(), shared.hidden(), shared.scale()).build();
    }
}
