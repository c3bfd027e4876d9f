package dev.llada2.weights;

/**
 * A SwiGLU MLP, {@code down( silu(gate x) * up x )} (spec §4.4): the dense MLP of the first
 * layers, each routed expert, and the shared expert(s).
 *
 * @param prefix checkpoint prefix, e.g. {@code model.layers.3.mlp.experts.17}
 */
public record MlpWeights(String prefix, Matrix gate, Matrix up, Matrix down) {

    public int intermediate() {
        return gate.rows();
    }

    public long bytes() {
        return gate.bytes() + up.bytes() + down.bytes();
    }
}
