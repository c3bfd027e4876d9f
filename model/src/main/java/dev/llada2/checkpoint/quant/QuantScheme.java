package dev.llada2.checkpoint.quant;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The weight types {@code llada2 quantize} writes, named as llama.cpp names them, with llama.cpp's
 * {@code general.file_type} ({@code LLAMA_FTYPE_*}) numbers.
 */
public enum QuantScheme {
    /** Every matrix Q8_0 (F16 where a row is not whole 32-blocks, as llama.cpp's converter does). */
    Q8_0("q8_0", 7),
    /** llama.cpp's Q4_K_M mix: Q4_K, with Q6_K for the head and some value/down projections ({@link QuantMix}). */
    Q4_K_M("q4_k_m", 15),
    /** Every matrix BF16: the checkpoint's own type, in GGUF. */
    BF16("bf16", 32);

    private final String cliName;
    private final int fileType;

    QuantScheme(String cliName, int fileType) {
        this.cliName = cliName;
        this.fileType = fileType;
    }

    public String cliName() {
        return cliName;
    }

    public int fileType() {
        return fileType;
    }

    public static Optional<QuantScheme> parse(String name) {
        return Arrays.stream(values()).filter(s -> s.cliName.equals(name.toLowerCase(Locale.ROOT))).findFirst();
    }
}
