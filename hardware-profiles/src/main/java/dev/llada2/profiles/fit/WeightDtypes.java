package dev.llada2.profiles.fit;

import dev.llada2.arch.TensorSpec;
import dev.llada2.checkpoint.DType;
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

    /** {@code torch_dtype} ("bfloat16", "float16", "float32" or their short names) as a {@link DType}. */
    static DType torchDtype(LLaDA2Config config) {
        return switch (config.torchDtype().toLowerCase(java.util.Locale.ROOT)) {
            case "bfloat16", "bf16" -> DType.BF16;
            case "float16", "fp16", "half", "f16" -> DType.F16;
            case "float32", "fp32", "float", "f32" -> DType.F32;
            default -> throw LladaException.input(config.source() + ": torch_dtype \"" + config.torchDtype()
                    + "\" is not a weight type this planner knows (expected bfloat16, float16 or float32); pass a"
                    + " weight type explicitly");
        };
    }
}
