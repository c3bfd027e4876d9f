package dev.llada2.tornado.graphs;

import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The scratch buffers of layers, one per role and length: the whole layers of a stage ask the same
 * {@link #stage} instance, so every layer of a graph writes and reads the same buffers (a normed input,
 * the QKV rows, the router's and the experts' working arrays, ...), which TornadoVM counts as one object
 * per graph instead of one per layer: the node budget of its fixed graph ({@link GraphBuilder#GRAPH_NODE_CAPACITY})
 * then goes to weights and caches, and more layers share a graph. Nothing flows between layers through
 * them (each layer writes a buffer before it reads it, and a graph's tasks run in order); each graph
 * that uses one declares it ({@link GraphBuilder#uploadOnce} once per graph) and so has its own device
 * copy. What a trace or a later graph reads (attn_out, mlp_out, the layer's output, the router outputs)
 * stays per layer. A layer split around a host step keeps buffers of its own ({@link #own}), since its
 * graphs hand some of them on.
 */
final class LayerScratch {

    private final int paddedTokens;
    private final boolean shared;
    private final Map<String, TornadoNativeArray> buffers = new HashMap<>();

    private LayerScratch(int paddedTokens, boolean shared) {
        this.paddedTokens = paddedTokens;
        this.shared = shared;
    }

    /** Scratch shared by every whole layer of a stage. */
    static LayerScratch stage(SharedBuffers sh) {
        return new LayerScratch(sh.paddedTokens(), true);
    }

    /**
     * Fresh buffers on every request (a split layer, another device's share of experts).
     *
     * @param paddedTokens rows of {@link #activations}
     */
    static LayerScratch own(int paddedTokens) {
        return new LayerScratch(paddedTokens, false);
    }

    /** A float buffer of {@code width} columns for every (padded) token row ({@link SharedBuffers#activations}). */
    FloatArray activations(String role, int width) {
        return floats(role, paddedTokens * width);
    }

    FloatArray floats(String role, int length) {
        return (FloatArray) get(role, length, FloatArray::new);
    }

    IntArray ints(String role, int length) {
        return (IntArray) get(role, length, IntArray::new);
    }

    private TornadoNativeArray get(String role, int length, IntFunction<TornadoNativeArray> allocate) {
        if (!shared) {
            return allocate.apply(length);
        }
        return buffers.computeIfAbsent(role + "/" + length, k -> allocate.apply(length));
    }
}
