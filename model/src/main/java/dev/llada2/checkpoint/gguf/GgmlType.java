package dev.llada2.checkpoint.gguf;

import dev.llada2.checkpoint.DType;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Tensor types of ggml ({@code ggml_type}) as GGUF stores them: id, elements per block and bytes
 * per block. Every type llama.cpp writes is known here, so the layout of any GGUF file can be
 * checked; {@link #dtype()} says which of them this engine computes with.
 */
public enum GgmlType {
    F32(0, 1, 4), F16(1, 1, 2), Q4_0(2, 32, 18), Q4_1(3, 32, 20), Q5_0(6, 32, 22), Q5_1(7, 32, 24),
    Q8_0(8, 32, 34), Q8_1(9, 32, 36), Q2_K(10, 256, 84), Q3_K(11, 256, 110), Q4_K(12, 256, 144),
    Q5_K(13, 256, 176), Q6_K(14, 256, 210), Q8_K(15, 256, 292), IQ2_XXS(16, 256, 66), IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98), IQ1_S(19, 256, 50), IQ4_NL(20, 32, 18), IQ3_S(21, 256, 110), IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136), I8(24, 1, 1), I16(25, 1, 2), I32(26, 1, 4), I64(27, 1, 8), F64(28, 1, 8),
    IQ1_M(29, 256, 56), BF16(30, 1, 2), TQ1_0(34, 256, 54), TQ2_0(35, 256, 66), MXFP4(39, 32, 17);

    private final int id;
    private final int blockSize;
    private final int blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    public int id() {
        return id;
    }

    public int blockSize() {
        return blockSize;
    }

    public int blockBytes() {
        return blockBytes;
    }

    /** The engine's type for this one, when it has one (the types it can read). */
    public Optional<DType> dtype() {
        return switch (this) {
            case F32 -> Optional.of(DType.F32);
            case F16 -> Optional.of(DType.F16);
            case BF16 -> Optional.of(DType.BF16);
            case Q8_0 -> Optional.of(DType.Q8_0);
            case Q4_K -> Optional.of(DType.Q4_K);
            case Q6_K -> Optional.of(DType.Q6_K);
            case I8 -> Optional.of(DType.I8);
            case I16 -> Optional.of(DType.I16);
            case I32 -> Optional.of(DType.I32);
            case I64 -> Optional.of(DType.I64);
            case F64 -> Optional.of(DType.F64);
            default -> Optional.empty();
        };
    }

    /** The ggml type storing {@code dtype} (F32, F16, BF16, Q8_0, Q4_K, Q6_K, the integer types). */
    public static GgmlType of(DType dtype) {
        for (GgmlType t : values()) {
            if (t.dtype().equals(Optional.of(dtype))) {
                return t;
            }
        }
        throw new IllegalArgumentException(dtype + " has no ggml type");
    }

    public static Optional<GgmlType> byId(int id) {
        return Arrays.stream(values()).filter(t -> t.id == id).findFirst();
    }

    /** The names of the types this engine computes with, for messages. */
    static String computable() {
        return Arrays.stream(values()).filter(t -> t.dtype().map(DType::isComputable).orElse(false))
                .map(Enum::name).collect(Collectors.joining(", "));
    }
}
