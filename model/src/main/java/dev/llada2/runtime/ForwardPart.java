package dev.llada2.runtime;

/**
 * The parts of a forward whose time an engine accounts separately ({@link EngineStats#lap}), for
 * {@code llada2 bench --breakdown}: where the time of a denoising forward goes.
 */
public enum ForwardPart {
    EMBEDDING("embedding"),
    ATTENTION_PROJECTIONS("attention projections (qkv, o)"),
    ATTENTION_ROPE("attention qk-norm, rope, cache"),
    ATTENTION_SCORES("attention scores (softmax . V)"),
    NORMS_RESIDUAL("layer norms, residual adds"),
    ROUTER("router"),
    ROUTED_EXPERTS("routed experts"),
    SHARED_EXPERT("shared expert"),
    DENSE_MLP("dense MLP"),
    HEAD("final norm and head"),
    OTHER("other engine work");

    private final String label;

    ForwardPart(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Lower-case key for JSON output. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
