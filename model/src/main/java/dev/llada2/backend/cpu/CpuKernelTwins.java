package dev.llada2.backend.cpu;

import dev.llada2.checkpoint.DType;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.config.RopeConfig;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.EngineStats;
import dev.llada2.weights.AttentionWeights;
import dev.llada2.weights.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The CPU engine's own code on plain arrays, for the TornadoVM self-test: a device kernel is checked
 * against the one implementation the CPU engine runs ({@link CpuRope}, {@link CpuAttention},
 * {@link CpuLmHead}), not against a copy. Where the engine fuses a projection around the computation
 * under test, the projection is an identity matrix in F32, which reproduces its input exactly.
 */
public final class CpuKernelTwins {

    private CpuKernelTwins() {
    }

    /** Rotates the head vector {@code v[off ..]} for {@code position} as the CPU engine does. */
    public static void rope(RopeConfig rope, float[] v, int off, int position) {
        CpuRope r = new CpuRope(rope);
        float[] cos = new float[r.half()];
        float[] sin = new float[r.half()];
        r.angles(position, cos, sin);
        r.apply(v, off, cos, sin);
    }

    /**
     * The CPU engine's attention ({@code CpuAttention.forward}) of {@code tokens} rows of fused QKV
     * values {@code qkv [tokens, (heads + 2 kvHeads) headDim]} at positions {@code start..}: QK RMSNorm
     * (when {@code queryNorm != null}), RoPE, keys and values into {@code keys}/{@code values}
     * ({@code [position, kvHeads headDim]}, positions before {@code start} are the cached prefix), and
     * grouped-query attention under {@code mask}.
     *
     * @return the attention context {@code [tokens, heads headDim]} (before the output projection)
     */
    public static float[] attention(int heads, int kvHeads, int headDim, RopeConfig rope, float eps, float[] queryNorm,
                                    float[] keyNorm, float[] qkv, int tokens, int start, AttentionMask mask,
                                    float[] keys, float[] values) {
        int rows = (heads + 2 * kvHeads) * headDim;
        int qDim = heads * headDim;
        int kvDim = kvHeads * headDim;
        LLaDA2Config c = new LLaDA2Config("self-test twin", 1, rows, 1, 1, heads, kvHeads, headDim, eps, rope,
                start + tokens, 0, 1, 0, 1, 1, 1f, 0, 0, queryNorm != null, false, false, false, false,
                Optional.empty(), Optional.empty(), Optional.empty(), "float32", List.of());
        try (Arena arena = Arena.ofConfined(); CpuDevice dev = new CpuDevice("twin", 1)) {
            AttentionWeights w = new AttentionWeights(identity(arena, "qkv", rows, rows), Optional.empty(),
                    Optional.ofNullable(queryNorm), Optional.ofNullable(keyNorm), identity(arena, "dense", rows, qDim),
                    Optional.empty());
            KvCache cache = new KvCache(kvDim);
            cache.ensureCapacity(start);
            System.arraycopy(keys, 0, cache.keys(), 0, start * kvDim);
            System.arraycopy(values, 0, cache.values(), 0, start * kvDim);
            float[] out = new float[tokens * rows];
            new CpuAttention(c).forward(dev, w, qkv, tokens, start, mask, cache, IntStream.range(0, tokens).toArray(),
                    out, new EngineStats());
            System.arraycopy(cache.keys(), start * kvDim, keys, start * kvDim, tokens * kvDim);
            System.arraycopy(cache.values(), start * kvDim, values, start * kvDim, tokens * kvDim);
            float[] context = new float[tokens * qDim];
            for (int t = 0; t < tokens; t++) {
                System.arraycopy(out, t * rows, context, t * qDim, qDim);
            }
            return context;
        }
    }

    /**
     * The CPU engine's greedy head ({@code CpuLmHead.greedy}) on given logits rows: per row the first
     * argmax and its softmax probability.
     */
    public static void greedy(float[][] logits, int[] argmax, float[] confidence) {
        int vocab = logits[0].length;
        float[] hidden = new float[logits.length * vocab];
        for (int r = 0; r < logits.length; r++) {
            System.arraycopy(logits[r], 0, hidden, r * vocab, vocab);
        }
        try (Arena arena = Arena.ofConfined(); CpuDevice dev = new CpuDevice("twin", 1)) {
            CpuLmHead.greedy(dev, identity(arena, "head", vocab, vocab), hidden, logits.length, argmax, confidence);
        }
    }

    /** An F32 {@code rows x cols} matrix with ones on the diagonal. */
    private static Matrix identity(Arena arena, String name, int rows, int cols) {
        MemorySegment data = arena.allocate((long) rows * cols * Float.BYTES, Float.BYTES);
        for (int i = 0; i < Math.min(rows, cols); i++) {
            data.setAtIndex(ValueLayout.JAVA_FLOAT, (long) i * cols + i, 1f);
        }
        return new Matrix(name, rows, cols, DType.F32, data);
    }
}
