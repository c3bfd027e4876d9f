package dev.llada2.arch;

/**
 * Checkpoint tensor names of {@code LLaDA2MoeModelLM} (spec §3). These names are the engine's only
 * naming scheme: the binder, placement rules, traces and error messages all use them.
 */
public final class LLaDA2TensorNames {

    public static final String EMBEDDINGS = "model.word_embeddings.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    private LLaDA2TensorNames() {
    }

    public static String layer(int l) {
        return "model.layers." + l;
    }

    public static String inputNorm(int l) {
        return layer(l) + ".input_layernorm.weight";
    }

    public static String postNorm(int l) {
        return layer(l) + ".post_attention_layernorm.weight";
    }

    public static String qkv(int l) {
        return layer(l) + ".attention.query_key_value.weight";
    }

    public static String qkvBias(int l) {
        return layer(l) + ".attention.query_key_value.bias";
    }

    public static String queryNorm(int l) {
        return layer(l) + ".attention.query_layernorm.weight";
    }

    public static String keyNorm(int l) {
        return layer(l) + ".attention.key_layernorm.weight";
    }

    public static String attentionOut(int l) {
        return layer(l) + ".attention.dense.weight";
    }

    public static String attentionOutBias(int l) {
        return layer(l) + ".attention.dense.bias";
    }

    /** Prefix of the dense MLP of layer {@code l}: {@code .gate_proj/.up_proj/.down_proj} follow. */
    public static String denseMlp(int l) {
        return layer(l) + ".mlp";
    }

    public static String router(int l) {
        return layer(l) + ".mlp.gate.weight";
    }

    public static String expertBias(int l) {
        return layer(l) + ".mlp.gate.expert_bias";
    }

    public static String expert(int l, int e) {
        return layer(l) + ".mlp.experts." + e;
    }

    public static String sharedExpert(int l) {
        return layer(l) + ".mlp.shared_experts";
    }

    public static String gateProj(String mlpPrefix) {
        return mlpPrefix + ".gate_proj.weight";
    }

    public static String upProj(String mlpPrefix) {
        return mlpPrefix + ".up_proj.weight";
    }

    public static String downProj(String mlpPrefix) {
        return mlpPrefix + ".down_proj.weight";
    }
}
