package dev.llada2.checkpoint.gguf;

import dev.llada2.arch.LLaDA2TensorNames;

import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.llada2.arch.LLaDA2TensorNames.*;

/**
 * llama.cpp's tensor names for LLaDA2 ({@code convert_hf_to_gguf.py}, class {@code LLaDA2MoeModel})
 * and the checkpoint names the engine uses ({@link LLaDA2TensorNames}), both ways. The routed
 * experts of a layer are one 3-D GGUF tensor per projection ({@code blk.L.ffn_gate_exps.weight},
 * {@code ne = {cols, rows, n_expert}}), which the reader splits into per-expert views and the writer
 * merges; everything else maps one to one, bytes unchanged.
 */
public final class LLaDA2GgufNames {

    public static final String ARCHITECTURE = "llada2";
    public static final String TOKEN_EMBD = "token_embd.weight";
    public static final String OUTPUT = "output.weight";
    public static final String OUTPUT_NORM = "output_norm.weight";

    private static final Pattern LAYER = Pattern.compile("blk\\.(\\d+)\\.(.+)");
    private static final Pattern CHECKPOINT_LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\..+");
    private static final Pattern CHECKPOINT_EXPERT = Pattern.compile(
            "model\\.layers\\.(\\d+)\\.mlp\\.experts\\.\\d+\\.(gate|up|down)_proj\\.weight");
    private static final Pattern EXPERTS = Pattern.compile("blk\\.(\\d+)\\.ffn_(gate|up|down)_exps\\.weight");

    /** Per-layer GGUF suffix -> the checkpoint name of layer l. */
    private static final Map<String, IntFunction<String>> LAYER_TENSORS = Map.ofEntries(
            Map.entry("attn_norm.weight", LLaDA2TensorNames::inputNorm),
            Map.entry("attn_qkv.weight", LLaDA2TensorNames::qkv),
            Map.entry("attn_qkv.bias", LLaDA2TensorNames::qkvBias),
            Map.entry("attn_q_norm.weight", LLaDA2TensorNames::queryNorm),
            Map.entry("attn_k_norm.weight", LLaDA2TensorNames::keyNorm),
            Map.entry("attn_output.weight", LLaDA2TensorNames::attentionOut),
            Map.entry("attn_output.bias", LLaDA2TensorNames::attentionOutBias),
            Map.entry("ffn_norm.weight", LLaDA2TensorNames::postNorm),
            Map.entry("ffn_gate.weight", l -> gateProj(denseMlp(l))),
            Map.entry("ffn_up.weight", l -> upProj(denseMlp(l))),
            Map.entry("ffn_down.weight", l -> downProj(denseMlp(l))),
            Map.entry("ffn_gate_inp.weight", LLaDA2TensorNames::router),
            Map.entry("exp_probs_b.bias", LLaDA2TensorNames::expertBias),
            Map.entry("ffn_gate_shexp.weight", l -> gateProj(sharedExpert(l))),
            Map.entry("ffn_up_shexp.weight", l -> upProj(sharedExpert(l))),
            Map.entry("ffn_down_shexp.weight", l -> downProj(sharedExpert(l))));

    private LLaDA2GgufNames() {
    }

    /** The checkpoint name of a one-to-one GGUF tensor; empty for merged experts and unknown names. */
    public static Optional<String> checkpointName(String gguf) {
        switch (gguf) {
            case TOKEN_EMBD:
                return Optional.of(EMBEDDINGS);
            case OUTPUT:
                return Optional.of(LM_HEAD);
            case OUTPUT_NORM:
                return Optional.of(FINAL_NORM);
            default:
                break;
        }
        Matcher m = LAYER.matcher(gguf);
        if (!m.matches()) {
            return Optional.empty();
        }
        IntFunction<String> name = LAYER_TENSORS.get(m.group(2));
        return name == null ? Optional.empty() : Optional.of(name.apply(Integer.parseInt(m.group(1))));
    }

    /** A merged expert tensor's layer and projection ({@code gate}, {@code up}, {@code down}). */
    public record Experts(int layer, String projection) {

        /** The checkpoint name of expert {@code e}'s matrix. */
        public String expertName(int e) {
            String prefix = expert(layer, e);
            return switch (projection) {
                case "gate" -> gateProj(prefix);
                case "up" -> upProj(prefix);
                default -> downProj(prefix);
            };
        }

        public String ggufName() {
            return "blk." + layer + ".ffn_" + projection + "_exps.weight";
        }
    }

    /** The merged tensor holding a routed expert's matrix, from its checkpoint name. */
    public static Optional<Experts> expertsHolding(String checkpoint) {
        Matcher m = CHECKPOINT_EXPERT.matcher(checkpoint);
        return m.matches() ? Optional.of(new Experts(Integer.parseInt(m.group(1)), m.group(2))) : Optional.empty();
    }

    public static Optional<Experts> experts(String gguf) {
        Matcher m = EXPERTS.matcher(gguf);
        return m.matches() ? Optional.of(new Experts(Integer.parseInt(m.group(1)), m.group(2))) : Optional.empty();
    }

    /**
     * The GGUF tensor holding a checkpoint tensor: its one-to-one name, or for a routed expert's
     * matrix the layer's merged {@code ffn_*_exps} tensor.
     */
    public static Optional<String> ggufName(String checkpoint) {
        switch (checkpoint) {
            case EMBEDDINGS:
                return Optional.of(TOKEN_EMBD);
            case LM_HEAD:
                return Optional.of(OUTPUT);
            case FINAL_NORM:
                return Optional.of(OUTPUT_NORM);
            default:
                break;
        }
        Optional<Experts> experts = expertsHolding(checkpoint);
        if (experts.isPresent()) {
            return Optional.of(experts.get().ggufName());
        }
        Matcher layer = CHECKPOINT_LAYER.matcher(checkpoint);
        if (!layer.matches()) {
            return Optional.empty();
        }
        int l = Integer.parseInt(layer.group(1));
        for (Map.Entry<String, IntFunction<String>> e : LAYER_TENSORS.entrySet()) {
            if (e.getValue().apply(l).equals(checkpoint)) {
                return Optional.of("blk." + l + "." + e.getKey());
            }
        }
        return Optional.empty();
    }
}
