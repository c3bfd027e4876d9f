package dev.llada2.tornado.graphs;

import dev.llada2.tornado.format.DeviceMatrix;
import dev.llada2.tornado.kernels.EmbeddingKernels;

import static uk.ac.manchester.tornado.api.common.TaskPackage.createPackage;

/**
 * The embedding lookup, at the start of the first graph of a pass on the embedding's device (the
 * graph that also holds the device's first layers, or a graph of its own when the first layer is
 * split around a host step).
 *
 * <pre>
 *   host --params (EVERY_EXECUTION)--&gt;  params
 *   host --once--&gt; word_embeddings parts, scale, hidden (zeros)
 *
 *   gather[_pK]:  params.token ids, word_embeddings part K  --&gt;  hidden [T, H]
 * </pre>
 *
 * One task per part of the embedding table (one part unless the table exceeds the device's largest
 * buffer). {@code hidden} is the residual stream entering layer 0; no layer writes it, so it holds
 * the embeddings until the next pass (a trace fetches it after the graph).
 */
final class EmbeddingGraph {

    private EmbeddingGraph() {
    }

    /** Declares params, scale, hidden and the table in {@code b} (a new graph) and adds the gather tasks. */
    static void add(GraphBuilder b, DeviceMatrix embeddings, SharedBuffers shared) {
        b.uploadEach(shared.params()).uploadOnce(shared.scale(), shared.hidden());
        int width = embeddings.cols();
        for (int p = 0; p < embeddings.parts().size(); p++) {
            DeviceMatrix.Part part = embeddings.parts().get(p);
            b.uploadOnce(part.words());
            TaskName t = b.task(TaskName.Op.GATHER, p, Grids.items(shared.maxTokens() * width));
            b.add(createPackage(t.task(), EmbeddingKernels::gather, b.context(), part.words(), shared.params(),
                    shared.scale(), shared.hidden(), width, embeddings.format(), part.firstRow(), part.rows()), shared.hidden());
        }
    }
}
