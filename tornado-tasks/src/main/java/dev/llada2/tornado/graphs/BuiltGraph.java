package dev.llada2.tornado.graphs;

import uk.ac.manchester.tornado.api.ImmutableTaskGraph;

import java.util.List;

/**
 * A finished graph and what its declarations upload.
 *
 * @param uploadOnceBytes host-to-device bytes of its first execution ({@code FIRST_EXECUTION}: weights, tables,
 *                        caches, scratch)
 * @param uploadEachBytes host-to-device bytes of every execution ({@code EVERY_EXECUTION}: params, head rows)
 * @param deviceBytes     data bytes of every device buffer the graph declares (weights at their stored size;
 *                        activations, scratch and KV caches at their capacities), each buffer once: what its
 *                        kernels are given per execution, an upper bound of the memory they read or write
 *                        (a pass of fewer tokens, or unselected experts, touch less)
 * @param tasks           task ids, in launch order (one kernel launch each per execution)
 * @param graphNodes      nodes of the graph TornadoVM builds from the tasks ({@link GraphBuilder#graphNodes()})
 */
public record BuiltGraph(String name, ImmutableTaskGraph graph, long uploadOnceBytes, long uploadEachBytes,
                         long deviceBytes, List<String> tasks, int graphNodes) {

    /**
     * Bytes TornadoVM writes to the device for every kernel launch besides the declared data: its
     * kernel stack frame of three 64-bit slots (OpenCL backend, {@code OCLKernelStackFrame}), which
     * its profiler counts as copy-in.
     */
    public static final int KERNEL_FRAME_BYTES = 24;

    /** Host-to-device bytes of one execution. */
    public long uploadBytes(boolean first) {
        return uploadEachBytes + (first ? uploadOnceBytes : 0) + (long) KERNEL_FRAME_BYTES * tasks.size();
    }
}
