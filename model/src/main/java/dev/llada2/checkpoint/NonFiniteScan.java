package dev.llada2.checkpoint;

import java.lang.foreign.MemorySegment;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Finds NaN and infinite values in a checkpoint's tensors ({@code llada2 info --check}). Floating
 * point tensors are tested value by value on their raw bits (an all-ones exponent); in the GGUF
 * block formats only the fp16 scales can be non-finite (the quants are integers), so those are
 * tested, block by block.
 */
public final class NonFiniteScan {

    /** A tensor with non-finite values: how many, and the flat index of the first. */
    public record Finding(String tensor, long nans, long infinities, long first) {
        @Override
        public String toString() {
            String what = nans > 0 && infinities > 0 ? String.format("%,d NaN and %,d infinite values", nans, infinities)
                    : nans > 0 ? String.format("%,d NaN values", nans) : String.format("%,d infinite values", infinities);
            return tensor + ": " + what + " (the first at " + (first < 0 ? "a block scale" : "element " + first) + ")";
        }
    }

    private NonFiniteScan() {
    }

    /**
     * Scans {@code tensors} (in parallel, one tensor per task) and returns the findings in name order;
     * {@code bytesDone} receives the running total of bytes scanned.
     */
    public static List<Finding> scan(Collection<TensorInfo> tensors, LongConsumer bytesDone) {
        AtomicLong done = new AtomicLong();
        return tensors.parallelStream().map(t -> {
            Finding f = scan(t);
            bytesDone.accept(done.addAndGet(t.byteSize()));
            return f;
        }).filter(Objects::nonNull).sorted(Comparator.comparing(Finding::tensor)).toList();
    }

    /** The non-finite values of one tensor, or null when all are finite (or it holds no floating point). */
    public static Finding scan(TensorInfo t) {
        MemorySegment d = t.data();
        return switch (t.dtype()) {
            case BF16 -> halves(t.name(), d, d.byteSize() / 2, 2, 0, 0x7F80, 0x007F);
            case F16 -> halves(t.name(), d, d.byteSize() / 2, 2, 0, 0x7C00, 0x03FF);
            case F32 -> floats(t.name(), d);
            // GGUF blocks: Q8_0 starts with its fp16 scale, Q4_K with d and dmin, Q6_K ends with d
            case Q8_0 -> blockScales(t.name(), d, t.dtype(), 0, 1);
            case Q4_K -> blockScales(t.name(), d, t.dtype(), 0, 2);
            case Q6_K -> blockScales(t.name(), d, t.dtype(), t.dtype().blockBytes() - 2, 1);
            default -> null;
        };
    }

    /** What value {@code i} is: {@link #FINITE}, {@link #NAN} or {@link #INFINITE}. */
    private interface Kind {
        int of(long i);
    }

    private static final int FINITE = 0;
    private static final int NAN = 1;
    private static final int INFINITE = 2;

    /** fp16/bf16 values {@code stride} bytes apart: non-finite when the exponent bits are all ones. */
    private static Finding halves(String name, MemorySegment d, long n, int stride, long offset, int exponent, int mantissa) {
        return count(name, n, i -> {
            int bits = d.get(TensorReader.SHORT_LE, offset + i * stride);
            return (bits & exponent) != exponent ? FINITE : (bits & mantissa) != 0 ? NAN : INFINITE;
        });
    }

    private static Finding floats(String name, MemorySegment d) {
        return count(name, d.byteSize() / 4, i -> {
            float v = d.get(TensorReader.FLOAT_LE, 4 * i);
            return Float.isFinite(v) ? FINITE : Float.isNaN(v) ? NAN : INFINITE;
        });
    }

    private static Finding count(String name, long n, Kind kind) {
        long nans = 0;
        long infs = 0;
        long first = -1;
        for (long i = 0; i < n; i++) {
            int k = kind.of(i);
            if (k != FINITE) {
                nans += k == NAN ? 1 : 0;
                infs += k == INFINITE ? 1 : 0;
                first = first < 0 ? i : first;
            }
        }
        return nans + infs == 0 ? null : new Finding(name, nans, infs, first);
    }

    private static Finding blockScales(String name, MemorySegment d, DType type, int offset, int scales) {
        long nans = 0;
        long infs = 0;
        long blocks = d.byteSize() / type.blockBytes();
        for (int s = 0; s < scales; s++) {
            Finding f = halves(name, d, blocks, type.blockBytes(), offset + 2L * s, 0x7C00, 0x03FF);
            if (f != null) {
                nans += f.nans();
                infs += f.infinities();
            }
        }
        return nans + infs == 0 ? null : new Finding(name, nans, infs, -1);
    }
}
