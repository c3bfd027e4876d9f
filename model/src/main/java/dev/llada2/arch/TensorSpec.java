package dev.llada2.arch;

import java.util.Arrays;

/**
 * One tensor the architecture expects in a checkpoint.
 *
 * @param name     checkpoint name
 * @param shape    PyTorch shape
 * @param role     what it is for
 * @param layer    decoder layer, or -1 outside the layers
 * @param expert   routed expert index, or -1
 * @param required false for tensors the official code tolerates missing (a disabled expert bias)
 */
public record TensorSpec(String name, long[] shape, TensorRole role, int layer, int expert, boolean required) {

    public long elements() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
