package dev.llada2.tornado.selftest;

import dev.llada2.backend.cpu.CpuKernelTwins;
import dev.llada2.backend.cpu.VectorOps;
import dev.llada2.config.RopeConfig;

/**
 * The attention shapes of the self-test and the one twin the CPU engine has no entry point for:
 * queries after QK-norm and RoPE (the engine keeps them inside its attention). It uses the engine's
 * own {@link VectorOps#rmsNorm} and RoPE ({@link CpuKernelTwins#rope}); attention itself, the key and
 * value stores and the greedy head are the engine's code through {@link CpuKernelTwins}.
 */
final class Twins {

    private Twins() {
    }

    /** Shapes of the attention twins. */
    record Heads(int heads, int kvHeads, int headDim, int rotaryHalf) {
        int qkvRows() {
            return (heads + 2 * kvHeads) * headDim;
        }

        int kvDim() {
            return kvHeads * headDim;
        }
    }

    /**
     * Query heads of {@code qkv [tokens, qkvRows]} at positions {@code start..} after QK RMSNorm (when
     * {@code queryNorm != null}) and RoPE, into {@code q [tokens, heads * headDim]}.
     */
    static void queries(float[] qkv, int tokens, int start, float[] queryNorm, RopeConfig rope, Heads s, float eps,
                        float[] q) {
        int hd = s.headDim();
        int qDim = s.heads() * hd;
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < s.heads(); h++) {
                int off = t * qDim + h * hd;
                System.arraycopy(qkv, t * s.qkvRows() + h * hd, q, off, hd);
                if (queryNorm != null) {
                    VectorOps.rmsNorm(q, off, queryNorm, eps, q, off, hd);
                }
                CpuKernelTwins.rope(rope, q, off, start + t);
            }
        }
    }
}
