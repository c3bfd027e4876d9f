package dev.llada2.checkpoint;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One tensor of a checkpoint: its header entry and a zero-copy view of its bytes in the memory
 * mapping of its file.
 *
 * @param name       the checkpoint name, e.g. {@code model.layers.3.mlp.gate.weight}
 * @param dtype      element type as stored
 * @param shape      dimensions, PyTorch order ({@code [out, in]} for linear weights)
 * @param file       the safetensors file that holds it
 * @param fileOffset absolute byte offset of the data in {@code file}
 * @param data       the bytes, little-endian, mapped read-only
 */
public record TensorInfo(String name, DType dtype, long[] shape, Path file, long fileOffset, MemorySegment data) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long byteSize() {
        return data.byteSize();
    }

    public int rank() {
        return shape.length;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + shapeString() + " in " + file.getFileName();
    }
}
