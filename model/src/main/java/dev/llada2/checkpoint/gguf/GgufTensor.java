package dev.llada2.checkpoint.gguf;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One tensor info of a GGUF file and its bytes, a view of the memory mapping (never copied).
 *
 * @param ne     dimensions in ggml order: {@code ne[0]} varies fastest (the columns of a row-major
 *               matrix), so a PyTorch {@code [rows, cols]} weight has {@code ne = {cols, rows}}
 * @param offset byte offset from the start of the data section
 */
public record GgufTensor(String name, GgmlType type, long[] ne, long offset, MemorySegment data) {

    public long elements() {
        long n = 1;
        for (long d : ne) {
            n *= d;
        }
        return n;
    }

    /** The PyTorch-order shape: {@code ne} reversed. */
    public long[] shape() {
        long[] s = new long[ne.length];
        for (int i = 0; i < ne.length; i++) {
            s[i] = ne[ne.length - 1 - i];
        }
        return s;
    }

    @Override
    public String toString() {
        return name + " " + type + " ne=" + Arrays.toString(ne);
    }
}
