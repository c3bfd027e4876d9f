package dev.llada2.weights;

import dev.llada2.checkpoint.DType;

import java.lang.foreign.MemorySegment;

/**
 * A 2-D weight as stored in the checkpoint: {@code rows x cols} elements, row-major, PyTorch
 * {@code [out, in]} order, viewed in place in the mapped file (never copied). In a block format
 * (Q8_0, Q4_K, Q6_K) each row is a whole number of blocks.
 *
 * @param name the checkpoint tensor name (the one naming scheme of the engine)
 */
public record Matrix(String name, int rows, int cols, DType dtype, MemorySegment data) {

    public long bytes() {
        return data.byteSize();
    }

    /** The sub-matrix of rows {@code [from, to)}, sharing memory. */
    public Matrix rows(int from, int to) {
        long rowBytes = dtype.bytesFor(cols);
        return new Matrix(name + "[" + from + ":" + to + "]", to - from, cols, dtype,
                data.asSlice(from * rowBytes, (to - from) * rowBytes));
    }
}
