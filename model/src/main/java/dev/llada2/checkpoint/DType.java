package dev.llada2.checkpoint;

import java.util.Optional;

/**
 * Element types of checkpoint tensors, with their storage size. Safetensors types hold one element
 * per unit; the llama.cpp block types (GGUF) hold {@link #blockSize()} elements in
 * {@link #blockBytes()} bytes (for example Q8_0: 32 elements in 34 bytes, a fp16 scale and 32
 * int8 values), so sizes are always computed from whole blocks with {@link #bytesFor(long)}.
 */
public enum DType {
    BF16(2), F16(2), F32(4), F64(8), I8(1), U8(1), I16(2), U16(2), I32(4), U32(4), I64(8), U64(8), BOOL(1),
    F8_E4M3(1), F8_E5M2(1),
    /** llama.cpp {@code block_q8_0}: fp16 scale d, 32 x int8 q; x = q·d. */
    Q8_0(32, 34),
    /** llama.cpp {@code block_q4_K}: fp16 d, dmin, 12 bytes of 6-bit sub-block scales/mins, 256 x 4-bit q. */
    Q4_K(256, 144),
    /** llama.cpp {@code block_q6_K}: 256 x 6-bit q (low 4 bits, high 2 bits), 16 int8 scales, fp16 d. */
    Q6_K(256, 210);

    private final int blockSize;
    private final int blockBytes;

    DType(int bytes) {
        this(1, bytes);
    }

    DType(int blockSize, int blockBytes) {
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** Elements per storage block: 1 for the safetensors types. */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes of one storage block. */
    public int blockBytes() {
        return blockBytes;
    }

    public boolean isBlockQuantized() {
        return blockSize > 1;
    }

    /**
     * Bytes per element of a type stored one element per unit.
     *
     * @throws IllegalStateException for a block type, whose elements have no size of their own: use
     *                               {@link #bytesFor(long)}
     */
    public int bytes() {
        if (blockSize != 1) {
            throw new IllegalStateException(this + " stores blocks of " + blockSize + " elements: use bytesFor");
        }
        return blockBytes;
    }

    /** Bytes of {@code elements} elements, which must be whole blocks. */
    public long bytesFor(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(elements + " elements are not whole " + this + " blocks of " + blockSize);
        }
        return elements / blockSize * blockBytes;
    }

    /** Floating-point types this engine computes with (weights are widened to fp32). */
    public boolean isComputable() {
        return this == BF16 || this == F16 || this == F32 || isBlockQuantized();
    }

    /** A safetensors {@code "dtype"} name; the block types are not safetensors types. */
    public static Optional<DType> parse(String name) {
        for (DType t : values()) {
            if (t.name().equals(name) && !t.isBlockQuantized()) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
