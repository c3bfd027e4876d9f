package dev.llada2.backend.cpu;

import dev.llada2.weights.MlpWeights;

/** SwiGLU MLP on a set of tokens (spec §4.4): {@code down( silu(gate x) * up x )}. */
final class CpuMlp {

    private CpuMlp() {
    }

    /** Row-parallel on {@code dev}: for the dense MLP and the shared expert, which see every token. */
    static void forward(CpuDevice dev, MlpWeights w, float[] x, int tokens, float[] out) {
        int inter = w.intermediate();
        float[] gate = new float[tokens * inter];
        float[] up = new float[tokens * inter];
        MatMul.multiply(dev, w.gate(), x, tokens, gate);
        MatMul.multiply(dev, w.up(), x, tokens, up);
        swiglu(gate, up, tokens * inter);
        MatMul.multiply(dev, w.down(), gate, tokens, out);
    }

    /** Single-threaded: one routed expert on the tokens routed to it (experts run in parallel). */
    static void forwardSerial(MlpWeights w, float[] x, int tokens, float[] out) {
        int inter = w.intermediate();
        float[] gate = new float[tokens * inter];
        float[] up = new float[tokens * inter];
        MatMul.rows(w.gate(), 0, inter, x, tokens, gate, inter, 0);
        MatMul.rows(w.up(), 0, inter, x, tokens, up, inter, 0);
        swiglu(gate, up, tokens * inter);
        MatMul.rows(w.down(), 0, w.down().rows(), gate, tokens, out, w.down().rows(), 0);
    }

    /** {@code gate[i] = silu(gate[i]) * up[i]}. */
    private static void swiglu(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            gate[i] = VectorOps.silu(gate[i]) * up[i];
        }
    }
}
