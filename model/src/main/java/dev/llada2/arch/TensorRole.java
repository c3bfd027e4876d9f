package dev.llada2.arch;

/** What a checkpoint tensor is for; placement and memory planning group tensors by role. */
public enum TensorRole {
    EMBEDDING, INPUT_NORM, QKV, QKV_BIAS, QUERY_NORM, KEY_NORM, ATTENTION_OUT, ATTENTION_OUT_BIAS, POST_NORM,
    DENSE_MLP, ROUTER, EXPERT_BIAS, ROUTED_EXPERT, SHARED_EXPERT, FINAL_NORM, LM_HEAD;

    /** Tensors of the routed experts, the part of a MoE model that expert placement moves around. */
    public boolean isRoutedExpert() {
        return this == ROUTED_EXPERT;
    }
}
