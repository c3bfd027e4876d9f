package dev.llada2.checkpoint.quant;

import dev.llada2.arch.TensorRole;
import dev.llada2.arch.TensorSpec;
import dev.llada2.checkpoint.DType;
import dev.llada2.config.LLaDA2Config;

import java.util.Optional;

/**
 * Which type each weight gets under a {@link QuantScheme}, as llama.cpp decides it
 * ({@code llama_tensor_get_type} in {@code src/llama-quant.cpp}, read for this port), so that our files
 * have the sizes and accuracy of llama.cpp's:
 * <ul>
 *   <li>vectors (norms, biases, the expert bias) and the router ({@code ffn_gate_inp}) stay F32;</li>
 *   <li>{@code q8_0}: every matrix Q8_0;</li>
 *   <li>{@code q4_k_m}: Q4_K, except Q6_K for the LM head ({@code output.weight}, or the embedding
 *       when tied), for the fused {@code attn_qkv} of the layers where llama.cpp's
 *       {@code use_more_bits(layer, n_layers)} holds (the first and last eighth, and every third
 *       layer between) — llama.cpp treats {@code attn_qkv} like {@code attn_v} — and for every
 *       {@code ffn_down} (dense, routed experts, shared expert) of those same layers;</li>
 *   <li>{@code bf16}: every matrix BF16.</li>
 * </ul>
 * A matrix whose rows are not whole blocks falls back as llama.cpp's converter and quantizer do: to
 * Q8_0 when the row is a multiple of 32 (llama.cpp picks Q5_0 for a Q4_K target; this engine has no
 * Q5_0 kernel, so it keeps the 8-bit type, which is larger and more accurate), else to F16.
 */
public final class QuantMix {

    /** The type chosen and, when it is not the scheme's first choice, why. */
    public record Choice(DType type, Optional<String> fallback) {
    }

    private QuantMix() {
    }

    public static Choice choose(QuantScheme scheme, TensorSpec t, LLaDA2Config c) {
        if (t.shape().length < 2 || t.role() == TensorRole.ROUTER) {
            return new Choice(DType.F32, Optional.empty());
        }
        DType target = switch (scheme) {
            case BF16 -> DType.BF16;
            case Q8_0 -> DType.Q8_0;
            case Q4_K_M -> q4KM(t, c);
        };
        long cols = t.shape()[t.shape().length - 1];
        if (cols % target.blockSize() == 0) {
            return new Choice(target, Optional.empty());
        }
        DType fallback = cols % DType.Q8_0.blockSize() == 0 && target != DType.Q8_0 ? DType.Q8_0 : DType.F16;
        return new Choice(fallback, Optional.of("rows of " + cols + " are not whole " + target + " blocks of "
                + target.blockSize() + ": " + fallback));
    }

    private static DType q4KM(TensorSpec t, LLaDA2Config c) {
        int layers = c.numHiddenLayers();
        return switch (t.role()) {
            case LM_HEAD -> DType.Q6_K;
            case EMBEDDING -> c.tieWordEmbeddings() ? DType.Q6_K : DType.Q4_K;
            case QKV -> useMoreBits(t.layer(), layers) ? DType.Q6_K : DType.Q4_K;
            case DENSE_MLP, ROUTED_EXPERT, SHARED_EXPERT ->
                    t.name().endsWith("down_proj.weight") && useMoreBits(t.layer(), layers) ? DType.Q6_K : DType.Q4_K;
            default -> DType.Q4_K;
        };
    }

    /** llama.cpp's choice of layers that get more bits: the first and last eighth, and every third between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }
}
