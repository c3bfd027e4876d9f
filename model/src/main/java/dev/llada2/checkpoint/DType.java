package dev.llada2.checkpoint;

import java.util.Optional;

/** Element types of safetensors headers ({@code "dtype"}), with their size in bytes. */
public enum DType {
    BF16(2), F16(2), F32(4), F64(8), I8(1), U8(1), I16(2), U16(2), I32(4), U32(4), I64(8), U64(8), BOOL(1),
    F8_E4M3(1), F8_E5M2(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** Floating-point types this engine computes with (weights are widened to fp32). */
    public boolean isComputable() {
        return this == BF16 || this == F16 || this == F32;
    }

    public static Optional<DType> parse(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
