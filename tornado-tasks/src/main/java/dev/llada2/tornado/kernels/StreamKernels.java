package dev.llada2.tornado.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The device profiler's memory-bandwidth probe ({@code TornadoDeviceProfiler}): a streaming read of a
 * large array that does as little arithmetic per element as a kernel can (one integer add).
 */
public final class StreamKernels {

    /** Largest work-group; the local array is sized for it. */
    public static final int MAX_THREADS = 256;

    private StreamKernels() {
    }

    /**
     * {@code sums[group] = } the sum of the elements of {@code data[0, n)} that work-group {@code group}
     * read. Each work-item reads {@code globalIdx, globalIdx + globalSize, ...} (neighbouring work-items
     * read neighbouring elements: coalesced on GPUs), then a local-memory tree reduction combines the
     * group's partial sums. With {@code data} all ones the sums add up to {@code n}: every element was read.
     *
     * <p>Grid: {@code groups x L} work-items, local size {@code L} (a power of two, at most
     * {@value #MAX_THREADS}); see {@code Grids.streamGroups}.
     */
    public static void sum(KernelContext context, IntArray data, IntArray sums, int n) {
        int lid = context.localIdx;
        int threads = context.localGroupSizeX;
        int stride = context.globalGroupSizeX;
        int[] partial = context.allocateIntLocalArray(MAX_THREADS);
        int acc = 0;
        for (int i = context.globalIdx; i < n; i += stride) {
            acc += data.get(i);
        }
        partial[lid] = acc;
        context.localBarrier();
        for (int s = threads / 2; s > 0; s >>= 1) {
            if (lid < s) {
                partial[lid] += partial[lid + s];
            }
            context.localBarrier();
        }
        if (lid == 0) {
            sums.set(context.groupIdx, partial[0]);
        }
    }
}
