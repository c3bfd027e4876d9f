package dev.llada2.profiles.fit;

import dev.llada2.arch.TensorSpec;
import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.quant.QuantMix;
import dev.llada2.checkpoint.quant.QuantScheme;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;

import java.util.Map;

/** The storage type of each weight, which with its shape gives its bytes. */
@FunctionalInterface
public interface WeightDtypes {

    DType of(TensorSpec tensor);

    /** Every weight as {@code dtype}. */
    static WeightDtypes uniform(DType dtype) {
        return t -> dtype;
    }

    /** Every weight as the config's {@code torch_dtype}: what a checkpoint of it holds. */
    static WeightDtypes fromConfig(LLaDA2Config config) {
        return uniform(torchDtype(config));
    }

    /**
     * The actual types of a checkpoint ({@code dtypes} by tensor name, e.g. from its headers), the
     * config's {@code torch_dtype} for tensors it does not list.
     */
    static WeightDtypes fromCheckpoint(Map<String, DType> dtypes, LLaDA2Config config) {
        DType fallback = torchDtype(config);
        return t -> dtypes.getOrDefault(t.name(), fallback);
    }

    /**
     * The types {@code llada2 quantize --type scheme} writes: llama.cpp's choice per tensor
     * ({@link QuantMix}), so the plan counts a quantized model's bytes exactly before it exists.
     */
    static WeightDtypes quantized(QuantScheme scheme, LLaDA2Config config) {
        return t -> QuantMix.choose(scheme, t, config).type();
    }

    /**
     * {@code torch_dtype} ("bfloat16", "float16", "float32" or their short names) as a {@link DType};
     * a GGUF model's config names its main block type ("Q8_0", "Q4_K", ...).
     */
    static DType torchDtype(LLaDA2Config config) {
        return switch (config.torchDtype().toLowerCase(java.util.Locale.ROOT)) {
            case "bfloat16", "bf16" -> DType.BF16;
            case "float16", "fp16", "half", "f16" -> DType.F16;
            case "float32", "fp32", "float", "f32" -> DType.F32;
            case "q8_0" -> DType.Q8_0;
            case "q4_k" -> DType.Q4_K;
            case "q6_k" -> DType.Q6_K;
            default -> throw LladaException.input(config.source() + ": torch_dtype \"" + config.torchDtype()
                    + "\" is not a weight type this planner knows (expected bfloat16, float16 or float32); pass a"
                    + " weight type explicitly");
        };
    }
}
