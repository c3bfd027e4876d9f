package dev.llada2.tornado.format;

import dev.llada2.checkpoint.DType;
import dev.llada2.weights.Matrix;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * A weight matrix in device upload layout: the checkpoint's bytes (16-bit words or llama.cpp blocks)
 * copied unchanged (row-major) into one
 * or more {@link ShortArray}s of 16-bit words (decoded in kernels by {@link WeightDecode}), each holding
 * a contiguous range of rows, or the same words rearranged k-major for kernels with a thread per row
 * ({@link #kMajor}). A matrix is split when it exceeds the largest buffer the device allows
 * (OpenCL's max allocation, 1-4 GiB on many devices): a kernel then runs once per part. Parts always
 * hold whole units of {@code unitRows} rows, so a stack of experts splits between experts.
 *
 * @param name     checkpoint name (for a stack of experts, a pattern such as
 *                 {@code model.layers.3.mlp.experts.*.gate_proj.weight})
 * @param rows     total rows
 * @param cols     elements per row
 * @param format   {@link WeightDecode} format code
 * @param unitRows rows per unit (1, or the rows of one expert)
 * @param parts    the buffers, in row order
 */
public record DeviceMatrix(String name, int rows, int cols, int format, int unitRows, List<Part> parts) {

    /** Rows {@code [firstRow, firstRow + rows)} of the matrix, in one device buffer. */
    public record Part(ShortArray words, int firstRow, int rows) {

        /** First unit (e.g. expert) of this part. */
        public int firstUnit(int unitRows) {
            return firstRow / unitRows;
        }
    }

    /**
     * Bytes of the largest buffer {@link #stack} makes of {@code units} under {@code maxPartBytes}
     * (above the limit only when a single unit, or a single row of a lone matrix, is larger).
     */
    public static long largestPart(List<Matrix> units, long maxPartBytesRequested) {
        Matrix first = units.getFirst();
        long maxPartBytes = partLimit(first, maxPartBytesRequested);
        long unit = first.bytes();
        if (units.size() == 1 && unit > maxPartBytes && first.rows() > 1) {
            long row = unit / first.rows();
            return Math.max(row, maxPartBytes / row * row);
        }
        return Math.min(unit * units.size(), Math.max(unit, maxPartBytes / unit * unit));
    }

    /** One checkpoint matrix, split by rows if it exceeds {@code maxPartBytes}. */
    public static DeviceMatrix upload(Matrix m, long maxPartBytes) {
        return stack(m.name(), List.of(m), maxPartBytes);
    }

    /**
     * Matrices of identical shape and dtype (the experts of one projection), stacked along the rows in
     * list order and split between units when larger than {@code maxPartBytes}.
     */
    public static DeviceMatrix stack(String name, List<Matrix> units, long maxPartBytesRequested) {
        Matrix first = units.getFirst();
        long maxPartBytes = partLimit(first, maxPartBytesRequested);
        int format = WeightDecode.formatOf(first.dtype(), first.name());
        long unitBytes = first.bytes();
        for (Matrix u : units) {
            if (u.rows() != first.rows() || u.cols() != first.cols() || u.dtype() != first.dtype()) {
                throw new IllegalArgumentException(u.name() + " differs in shape or dtype from " + first.name());
            }
        }
        int unitsPerPart = (int) Math.max(1, Math.min(units.size(), maxPartBytes / unitBytes));
        if (unitBytes > maxPartBytes && units.size() == 1 && first.rows() > 1) {
            return splitRows(name, first, format, maxPartBytes);
        }
        List<Part> parts = new ArrayList<>();
        for (int u0 = 0; u0 < units.size(); u0 += unitsPerPart) {
            int u1 = Math.min(units.size(), u0 + unitsPerPart);
            ShortArray words = new ShortArray(Math.toIntExact((u1 - u0) * unitBytes / 2));
            for (int u = u0; u < u1; u++) {
                MemorySegment.copy(units.get(u).data(), 0, words.getSegment(), (u - u0) * unitBytes, unitBytes);
            }
            parts.add(new Part(words, u0 * first.rows(), (u1 - u0) * first.rows()));
        }
        return new DeviceMatrix(name, units.size() * first.rows(), first.cols(), format, first.rows(),
                List.copyOf(parts));
    }

    /**
     * The same matrix with each part's elements rearranged k-major: element {@code (r, k)} of a part of
     * {@code R} rows at element index {@code k * R + r} (an F32 element stays two consecutive words).
     * Kernels that give each thread one row then read consecutive words at each step {@code k}, one
     * coalesced load per work-group; the checkpoint is untouched, only the upload copy changes. A
     * block format moves whole blocks instead: block {@code (r, kb)} at block index {@code kb * R + r}
     * ({@link WeightDecode#kMajorIndex}), so the threads of a group read neighbouring blocks.
     */
    public DeviceMatrix kMajor() {
        int unitWords = WeightDecode.blockWords(format);
        int units = cols / WeightDecode.blockElements(format);
        List<Part> out = new ArrayList<>();
        short[] row = new short[units * unitWords];
        for (Part p : parts) {
            MemorySegment src = p.words().getSegment();
            ShortArray words = new ShortArray(p.words().getSize());
            MemorySegment dst = words.getSegment();
            for (int r = 0; r < p.rows(); r++) {
                MemorySegment.copy(src, ValueLayout.JAVA_SHORT, (long) r * row.length * 2, row, 0, row.length);
                for (int k = 0; k < units; k++) {
                    long at = ((long) k * p.rows() + r) * unitWords;
                    for (int w = 0; w < unitWords; w++) {
                        dst.setAtIndex(ValueLayout.JAVA_SHORT, at + w, row[k * unitWords + w]);
                    }
                }
            }
            out.add(new Part(words, p.firstRow(), p.rows()));
        }
        return new DeviceMatrix(name, rows, cols, format, unitRows, List.copyOf(out));
    }

    /**
     * {@code maxPartBytes}, lowered where needed so that a part holds fewer than 2^31 elements: kernels
     * index elements with {@code int}, and a 4.5-bit format packs more elements than bytes.
     */
    private static long partLimit(Matrix first, long maxPartBytes) {
        DType t = first.dtype();
        return Math.min(maxPartBytes, (long) Integer.MAX_VALUE / t.blockSize() * t.blockBytes());
    }

    private static DeviceMatrix splitRows(String name, Matrix m, int format, long maxPartBytes) {
        long rowBytes = m.bytes() / m.rows();
        int rowsPerPart = (int) Math.max(1, maxPartBytes / rowBytes);
        List<Part> parts = new ArrayList<>();
        for (int r0 = 0; r0 < m.rows(); r0 += rowsPerPart) {
            int r1 = Math.min(m.rows(), r0 + rowsPerPart);
            ShortArray words = new ShortArray(Math.toIntExact((r1 - r0) * rowBytes / 2));
            MemorySegment.copy(m.data(), r0 * rowBytes, words.getSegment(), 0, (r1 - r0) * rowBytes);
            parts.add(new Part(words, r0, r1 - r0));
        }
        return new DeviceMatrix(name, m.rows(), m.cols(), format, 1, List.copyOf(parts));
    }
}
