package dev.llada2.it.engine;

import dev.llada2.backend.cpu.CpuDevice;
import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.runtime.Placement;
import dev.llada2.testing.SharedData;
import dev.llada2.trace.ForwardTrace;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The CPU engine gives bit-identical results whatever the JIT has compiled so far and whatever the
 * thread count: the first (interpreted) forward equals the thousandth, and one thread equals two.
 * This is what makes multi-device placements comparable bit for bit.
 */
class DeterminismTest {

    @Test
    void sameBitsColdWarmAndAcrossThreadCounts() {
        try (LoadedModel m = LoadedModel.open(SharedData.model("small"))) {
            int[] ids = IntStream.range(0, 45).map(i -> (i * 37) % 1000).toArray();
            float[] cold;
            try (Engine e = CpuEngine.singleDevice(m.weights())) {
                cold = logits(e, ids);
                for (int i = 0; i < 300; i++) {
                    logits(e, ids);
                }
                assertArrayEquals(cold, logits(e, ids), "after the JIT compiled the engine");
            }
            try (Engine one = new CpuEngine(m.weights(), List.of(new CpuDevice("one", 1)),
                    Placement.singleDevice(m.config()), true)) {
                assertArrayEquals(cold, logits(one, ids), "one thread");
            }
        }
    }

    /**
     * The last layer computes only the rows the head reads (past the keys and values); a traced
     * forward keeps every row (the trace records them all). The head's rows must come out the same
     * bits either way, in a denoising-shaped forward (a 32-token block after a cached prompt, some
     * rows wanted) and in a forward whose rows are wanted out of order.
     */
    @Test
    void lastLayerOnHeadRowsOnlyEqualsEveryRow() {
        try (LoadedModel m = LoadedModel.open(SharedData.model("small"));
             Engine e = CpuEngine.singleDevice(m.weights())) {
            int[] prompt = IntStream.range(0, 32).map(i -> (i * 53) % 1000).toArray();
            int[] block = IntStream.range(0, 32).map(i -> (i * 29 + 7) % 1000).toArray();
            for (int[] rows : new int[][] {{3, 4, 9, 17, 30, 31}, {31, 0, 12}}) {
                float[] pruned = blockLogits(e, prompt, block, rows, TraceSink.NONE);
                float[] everyRow = blockLogits(e, prompt, block, rows, new ForwardTrace());
                assertArrayEquals(everyRow, pruned, "rows " + java.util.Arrays.toString(rows));
            }
        }
    }

    private static float[] blockLogits(Engine e, int[] prompt, int[] block, int[] rows, TraceSink trace) {
        e.resetCache();
        e.forward(new ForwardRequest(prompt, 0, new AttentionMask.BlockCausal(32), true, HeadRequest.none(),
                TraceSink.NONE));
        return flat(e.forward(new ForwardRequest(block, prompt.length, new AttentionMask.BlockCausal(32), false,
                new HeadRequest.Logits(rows), trace)).logits());
    }

    private static float[] logits(Engine e, int[] ids) {
        e.resetCache();
        return flat(e.forward(new ForwardRequest(ids, 0, new AttentionMask.BlockCausal(32), false,
                new HeadRequest.Logits(new int[] {0, 20, 44}), TraceSink.NONE)).logits());
    }

    private static float[] flat(float[][] rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * rows[0].length, rows[0].length);
        }
        return flat;
    }
}
