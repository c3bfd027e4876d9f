package dev.llada2.checkpoint.gguf;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.config.RopeConfig;
import dev.llada2.errors.LladaException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static dev.llada2.checkpoint.gguf.LLaDA2GgufNames.ARCHITECTURE;

/**
 * The model configuration in llama.cpp's {@code llada2.*} metadata, both ways: {@link #read} builds
 * a {@link LLaDA2Config} from a GGUF file, {@link #write} writes the keys llama.cpp's converter
 * writes (docs: {@code GGUF_LLADA2.md}).
 *
 * <p>What the metadata does not say is settled in this order, each choice recorded for {@code info}:
 * <ol>
 *   <li>the tensors themselves: qk-norm, biases, tied embeddings and the expert bias by whether their
 *       tensors exist; the leading dense layers by which layers lack {@code ffn_gate_inp}; counts and
 *       widths by tensor shapes ({@link Result#derived()});</li>
 *   <li>the published LLaDA2.0 values (mini and flash agree on all of them) for keys a file may lack:
 *       expert groups 8 / top-4, 8 experts per token, routed scaling 2.5, rope base 600000, RMSNorm
 *       epsilon 1e-6, 16384 positions, rotary width head_dim / 2 — each a note on the config, shown
 *       by every command, since the model runs on an assumption there.</li>
 * </ol>
 */
public final class LLaDA2GgufConfig {

    static final String P = ARCHITECTURE + ".";

    /** The configuration and how the parts the metadata does not state were derived from the tensors. */
    public record Result(LLaDA2Config config, List<String> derived) {
    }

    private LLaDA2GgufConfig() {
    }

    /** Checks the architecture and builds the configuration of {@code gguf}. */
    public static Result read(GgufFile gguf) {
        return new Reader(gguf).read();
    }

    private static final class Reader {
        private final GgufFile gguf;
        private final GgufMetadata m;
        private final List<String> notes = new ArrayList<>();
        private final List<String> derived = new ArrayList<>();

        Reader(GgufFile gguf) {
            this.gguf = gguf;
            this.m = gguf.metadata();
        }

        Result read() {
            String arch = m.string("general.architecture").orElseThrow(() -> m.missing("general.architecture",
                    "a LLaDA2 GGUF says \"" + ARCHITECTURE + "\""));
            if (!arch.equals(ARCHITECTURE)) {
                throw m.error("general.architecture", "the model is \"" + arch + "\", this engine runs \""
                        + ARCHITECTURE + "\" (LLaDA2.0 mini/flash, llama.cpp's LLaDA2MoeModelLM conversion)");
            }
            int layers = required("block_count", "the number of layers");
            int hidden = required("embedding_length", "the hidden size");
            int heads = required("attention.head_count", "the number of attention heads");
            int kvHeads = optional("attention.head_count_kv").orElseGet(() -> {
                derived.add("num_key_value_heads = " + heads + ": " + P + "attention.head_count_kv is absent (one"
                        + " key/value head per attention head)");
                return heads;
            });
            int headDim = optional("attention.key_length").orElseGet(() -> {
                derived.add("head_dim = hidden / heads = " + hidden / Math.max(1, heads) + ": " + P
                        + "attention.key_length is absent");
                return hidden / Math.max(1, heads);
            });
            optional("attention.value_length").ifPresent(v -> {
                if (v != headDim) {
                    throw m.error(P + "attention.value_length", "LLaDA2 uses one head_dim for keys and values ("
                            + headDim + "), found " + v);
                }
            });
            int rotary = optional("rope.dimension_count").orElseGet(() -> fallback("rope.dimension_count",
                    "rotary width head_dim x 0.5", headDim / 2));
            double theta = number("rope.freq_base").orElseGet(() -> fallback("rope.freq_base", "rope_theta", 600000.0));
            int positions = optional("context_length").orElseGet(() -> fallback("context_length",
                    "max_position_embeddings", 16384));
            RopeConfig rope = rope(theta, rotary, positions);
            double eps = number("attention.layer_norm_rms_epsilon").orElseGet(() -> fallback(
                    "attention.layer_norm_rms_epsilon", "rms_norm_eps", 1e-6));

            Optional<GgufTensor> exps = firstExperts(layers);
            int experts = optional("expert_count").orElseGet(() -> exps.map(t -> {
                derived.add("num_experts = " + t.ne()[2] + ": from " + t.name() + " (" + P + "expert_count is absent)");
                return (int) t.ne()[2];
            }).orElse(0));
            int firstDense = firstDense(layers, experts);
            int moeInter = optional("expert_feed_forward_length").orElseGet(() -> exps.map(t -> {
                derived.add("moe_intermediate_size = " + t.ne()[1] + ": from " + t.name());
                return (int) t.ne()[1];
            }).orElse(0));
            int denseInter = optional("feed_forward_length").orElseGet(() -> tensor("blk.0.ffn_gate.weight")
                    .map(t -> (int) t.ne()[1]).orElse(0));
            int shared = optional("expert_shared_count").orElseGet(() -> {
                int n = experts > 0 && tensor("blk." + firstDense + ".ffn_gate_shexp.weight").isPresent() ? 1 : 0;
                derived.add("num_shared_experts = " + n + ": " + P + "expert_shared_count is absent; "
                        + (n == 1 ? "shared-expert tensors exist" : "no shared-expert tensors"));
                return n;
            });
            boolean moe = experts > 0 && firstDense < layers;
            int perToken = optional("expert_used_count").orElseGet(() -> moe
                    ? fallback("expert_used_count", "num_experts_per_tok", 8) : 0);
            int groups = optional("expert_group_count").orElseGet(() -> moe
                    ? fallback("expert_group_count", "n_group", 8) : 1);
            int topkGroups = optional("expert_group_used_count").orElseGet(() -> moe
                    ? fallback("expert_group_used_count", "topk_group", 4) : 1);
            double scaling = number("expert_weights_scale").orElseGet(() -> moe
                    ? fallback("expert_weights_scale", "routed_scaling_factor", 2.5) : 2.5);
            optional("expert_gating_func").filter(f -> f != 2).ifPresent(f -> notes.add(P + "expert_gating_func = " + f
                    + " is not sigmoid (2): ignored, the LLaDA2 router always applies a sigmoid"));
            m.bool(P + "expert_weights_norm").filter(b -> !b).ifPresent(b -> notes.add(P + "expert_weights_norm ="
                    + " false: ignored, the LLaDA2 router always renormalises the top-k weights"));

            boolean qkNorm = present("blk.0.attn_q_norm.weight", "use_qk_norm");
            boolean qkvBias = present("blk.0.attn_qkv.bias", "use_qkv_bias");
            boolean bias = present("blk.0.attn_output.bias", "use_bias");
            boolean tied = !tensor(LLaDA2GgufNames.OUTPUT).isPresent();
            derived.add("tie_word_embeddings = " + tied + ": " + LLaDA2GgufNames.OUTPUT + (tied ? " is absent" : " exists"));
            boolean expertBias = moe && present("blk." + firstDense + ".exp_probs_b.bias", "moe_router_enable_expert_bias");

            int vocab = optional("vocab_size").orElseGet(() -> tensor(LLaDA2GgufNames.TOKEN_EMBD).map(t -> {
                derived.add("vocab_size = " + t.ne()[1] + ": from " + t.name() + " (" + P + "vocab_size is absent)");
                return (int) t.ne()[1];
            }).orElseThrow(() -> m.missing(P + "vocab_size", "the vocabulary size; there is no "
                    + LLaDA2GgufNames.TOKEN_EMBD + " either")));
            Optional<Integer> mask = id("tokenizer.ggml.mask_token_id", vocab);
            if (mask.isEmpty()) {
                derived.add("mask_token_id: tokenizer.ggml.mask_token_id is absent; found at run time from the"
                        + " tokenizer (<|mask|>) or the LLaDA2.0 default 156895");
            }
            LLaDA2Config config = new LLaDA2Config(gguf.file().toString(), vocab, hidden, denseInter, layers, heads,
                    kvHeads, headDim, (float) eps, rope, positions, experts, perToken, shared, groups, topkGroups,
                    (float) scaling, moeInter, firstDense, qkNorm, qkvBias, bias, tied, expertBias, mask,
                    id("tokenizer.ggml.eos_token_id", vocab), id("tokenizer.ggml.padding_token_id", vocab),
                    weightType(), notes);
            return new Result(config, List.copyOf(derived));
        }

        private RopeConfig rope(double theta, int rotary, int positions) {
            String type = m.string(P + "rope.scaling.type").orElse("none");
            return switch (type) {
                case "none" -> RopeConfig.unscaled(theta, rotary);
                case "linear" -> new RopeConfig(theta, rotary, "linear", number("rope.scaling.factor").orElseThrow(
                        () -> m.missing(P + "rope.scaling.factor", "linear rope scaling needs its factor")),
                        positions, 32, 1, 1.0, true);
                default -> throw m.error(P + "rope.scaling.type", "\"" + type + "\" is not supported (supported:"
                        + " none, linear)");
            };
        }

        /** Layers before the first with a router are dense: the converter's leading_dense_block_count. */
        private int firstDense(int layers, int experts) {
            Optional<Integer> stated = optional("leading_dense_block_count");
            if (stated.isPresent() || experts == 0) {
                return stated.orElse(0);
            }
            int l = 0;
            while (l < layers && tensor("blk." + l + ".ffn_gate_inp.weight").isEmpty()) {
                l++;
            }
            derived.add("first_k_dense_replace = " + l + ": layers 0.." + (l - 1) + " have no ffn_gate_inp ("
                    + P + "leading_dense_block_count is absent)");
            return l;
        }

        private Optional<GgufTensor> firstExperts(int layers) {
            for (int l = 0; l < layers; l++) {
                Optional<GgufTensor> t = tensor("blk." + l + ".ffn_gate_exps.weight");
                if (t.isPresent() && t.get().ne().length == 3) {
                    return t;
                }
            }
            return Optional.empty();
        }

        private boolean present(String tensor, String setting) {
            boolean p = tensor(tensor).isPresent();
            derived.add(setting + " = " + p + ": " + tensor + (p ? " exists" : " is absent"));
            return p;
        }

        private String weightType() {
            long best = -1;
            String name = "bfloat16";
            java.util.Map<GgmlType, Long> bytes = new java.util.EnumMap<>(GgmlType.class);
            for (GgufTensor t : gguf.tensors().values()) {
                if (t.ne().length >= 2) {
                    bytes.merge(t.type(), t.data().byteSize(), Long::sum);
                }
            }
            for (var e : bytes.entrySet()) {
                if (e.getValue() > best) {
                    best = e.getValue();
                    name = switch (e.getKey()) {
                        case BF16 -> "bfloat16";
                        case F16 -> "float16";
                        case F32 -> "float32";
                        default -> e.getKey().name();
                    };
                }
            }
            return name;
        }

        private Optional<GgufTensor> tensor(String name) {
            return Optional.ofNullable(gguf.tensors().get(name));
        }

        private int required(String key, String what) {
            return optional(key).orElseThrow(() -> m.missing(P + key, what));
        }

        private Optional<Integer> optional(String key) {
            return m.integer(P + key, 0, Integer.MAX_VALUE);
        }

        private Optional<Double> number(String key) {
            return m.number(P + key);
        }

        private Optional<Integer> id(String key, int vocab) {
            return m.integer(key, 0, Integer.MAX_VALUE).map(id -> {
                if (id >= vocab) {
                    throw m.error(key, "token id " + id + " is outside the vocabulary 0.." + (vocab - 1));
                }
                return id;
            });
        }

        private <T> T fallback(String key, String setting, T value) {
            notes.add(P + key + " is not in " + gguf.file().getFileName() + ": using " + setting + " = " + value
                    + ", the LLaDA2.0 value");
            return value;
        }
    }

    /** Writes the {@code llada2.*} keys (after {@code general.architecture}) as llama.cpp's converter does. */
    public static void write(LLaDA2Config c, GgufWriter w) {
        w.u32(P + "block_count", c.numHiddenLayers());
        w.u32(P + "context_length", c.maxPositionEmbeddings());
        w.u32(P + "embedding_length", c.hiddenSize());
        w.u32(P + "feed_forward_length", c.intermediateSize());
        w.u32(P + "attention.head_count", c.numAttentionHeads());
        w.u32(P + "attention.head_count_kv", c.numKeyValueHeads());
        w.u32(P + "attention.key_length", c.headDim());
        w.u32(P + "attention.value_length", c.headDim());
        w.f32(P + "attention.layer_norm_rms_epsilon", c.rmsNormEps());
        w.f32(P + "rope.freq_base", c.rope().theta());
        w.u32(P + "rope.dimension_count", c.rope().rotaryDim());
        switch (c.rope().scalingType()) {
            case "default" -> w.string(P + "rope.scaling.type", "none");
            case "linear" -> {
                w.string(P + "rope.scaling.type", "linear");
                w.f32(P + "rope.scaling.factor", c.rope().factor());
            }
            default -> throw LladaException.input(c.source() + ": rope scaling \"" + c.rope().scalingType()
                    + "\" cannot be written to GGUF by this converter (supported: none, linear)");
        }
        w.u32(P + "leading_dense_block_count", c.firstKDenseReplace());
        w.u32(P + "vocab_size", c.vocabSize());
        w.u32(P + "expert_count", c.numExperts());
        w.u32(P + "expert_used_count", c.numExpertsPerTok());
        w.u32(P + "expert_group_count", c.nGroup());
        w.u32(P + "expert_group_used_count", c.topkGroup());
        w.u32(P + "expert_gating_func", 2);
        w.f32(P + "expert_weights_scale", c.routedScalingFactor());
        w.bool(P + "expert_weights_norm", true);
        w.u32(P + "expert_feed_forward_length", c.moeIntermediateSize());
        w.u32(P + "expert_shared_count", c.numSharedExperts());
        w.u32(P + "expert_shared_feed_forward_length", c.sharedIntermediateSize());
        w.bool("diffusion.shift_logits", false);
    }
}
