package dev.llada2.backend.cpu.format;

import dev.llada2.checkpoint.DType;
import dev.llada2.backend.cpu.VectorOps;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.llada2.backend.cpu.format.BlockLanes.F;
import static dev.llada2.backend.cpu.format.BlockLanes.NATIVE;
import static dev.llada2.backend.cpu.format.BlockLanes.vectorized;

/**
 * A llama.cpp block format on the CPU. Each subclass runs its own loops over whole blocks (decode a
 * run, dot a row, load the lanes inside one block) with its block size as a compile-time constant, so
 * the per-vector work is compiled for that format alone even when a model mixes formats (Q4_K_M uses
 * Q4_K, Q6_K and F32): only one virtual call per run or row. On machines with fewer than 8 float
 * lanes every element goes through the scalar {@link #valueAt}.
 */
abstract sealed class BlockFormat implements CpuWeightFormat permits Q8_0Cpu, Q4KCpu, Q6KCpu {

    /** Elements of a row decoded per step of {@link #dot2}: a multiple of every block (32, 256). */
    private static final int RUN = 512;
    /**
     * Per thread: two decoded runs, then two accumulators (fp32, native order), off the heap like
     * the matrix panel, so the decoders only ever write native memory and every load is aligned.
     */
    private static final ThreadLocal<MemorySegment> ROWS = ThreadLocal.withInitial(
            () -> Arena.ofAuto().allocate(4L * (2 * RUN + 2 * F.length()), 64));

    private final int block;

    BlockFormat(DType type) {
        this.block = type.blockSize();
    }

    @Override
    public final int alignment() {
        return block;
    }

    @Override
    public final void decode(MemorySegment data, long first, int count, float[] dst, int dstOff) {
        decode(data, first, count, dst, MemorySegment.ofArray(dst), 4L * dstOff);
    }

    /** Straight into {@code dst} (the matrix panel): no trip through {@code tmp}. */
    @Override
    public final void decode(MemorySegment data, long first, int count, float[] tmp, MemorySegment dst, long dstOff) {
        if (vectorized()) {
            decodeBlocks(data, first, count, dst, dstOff);
        } else {
            for (int i = 0; i < count; i++) {
                dst.set(ValueLayout.JAVA_FLOAT, dstOff + 4L * i, valueAt(data, first + i));
            }
        }
    }

    /** The block holding the lanes decoded whole (a slow path: the engine's products decode runs). */
    @Override
    public final FloatVector load(MemorySegment data, long first) {
        long start = first - first % block;
        float[] values = new float[block];
        decode(data, start, block, values, 0);
        return FloatVector.fromArray(F, values, (int) (first - start));
    }

    /**
     * Both rows decoded by {@link #decodeBlocks} a run of up to {@value #RUN} elements at a time into
     * a per-thread buffer (in L1), then multiplied from there: the decoder stays the format's one
     * vector implementation. No vector is live across a call: the two accumulators rest in the
     * buffer while the runs are decoded (the JIT boxes a vector that is live across a call it did
     * not inline, which made this product allocate per vector).
     */
    @Override
    public final void dot2(MemorySegment data, long firstA, long firstB, float[] x, int k, float[] y, int yA, int yB) {
        if (!vectorized()) {
            CpuWeightFormat.super.dot2(data, firstA, firstB, x, k, y, yA, yB);
            return;
        }
        MemorySegment buf = ROWS.get();
        int lanes = F.length();
        long acc = 8L * RUN;
        buf.asSlice(acc, 8L * lanes).fill((byte) 0);
        for (int o = 0; o < k; o += RUN) {
            int n = Math.min(RUN, k - o);
            decodeBlocks(data, firstA + o, n, buf, 0);
            decodeBlocks(data, firstB + o, n, buf, 4L * RUN);
            FloatVector a = FloatVector.fromMemorySegment(F, buf, acc, NATIVE);
            FloatVector b = FloatVector.fromMemorySegment(F, buf, acc + 4L * lanes, NATIVE);
            for (int i = 0; i < n; i += lanes) {
                FloatVector xv = FloatVector.fromArray(F, x, o + i);
                a = FloatVector.fromMemorySegment(F, buf, 4L * i, NATIVE).fma(xv, a);
                b = FloatVector.fromMemorySegment(F, buf, 4L * (RUN + i), NATIVE).fma(xv, b);
            }
            a.intoMemorySegment(buf, acc, NATIVE);
            b.intoMemorySegment(buf, acc + 4L * lanes, NATIVE);
        }
        y[yA] = VectorOps.sum(FloatVector.fromMemorySegment(F, buf, acc, NATIVE));
        y[yB] = VectorOps.sum(FloatVector.fromMemorySegment(F, buf, acc + 4L * lanes, NATIVE));
    }

    /**
     * {@link #decode} with vectors: whole blocks from element {@code first}, as fp32 in native order at
     * byte offset {@code dstOff} of {@code dst}.
     */
    abstract void decodeBlocks(MemorySegment data, long first, int count, MemorySegment dst, long dstOff);


    /** Element {@code i} of the tensor, decoded with scalar code. */
    abstract float valueAt(MemorySegment data, long i);
}
