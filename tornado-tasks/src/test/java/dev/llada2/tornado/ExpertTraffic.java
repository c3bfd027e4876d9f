package dev.llada2.tornado;

import dev.llada2.testing.Golden;
import dev.llada2.testing.GoldenAssertions;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.EngineStats;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.trace.ForwardTrace;
import dev.llada2.trace.TraceSink;

import java.util.stream.IntStream;

/**
 * What one traced forward routed to the experts of one device in one MoE layer, from the router ids
 * in the trace: the tokens with at least one slot there (U) and those slots (S), the quantities the
 * engine's hand-off byte counts are made of.
 */
record ExpertTraffic(int tokens, int slots) {

    /**
     * @param placed per expert of the layer, its device index (the plan's {@code expertDevice()[layer]})
     */
    static ExpertTraffic of(ForwardTrace trace, int layer, int[] placed, int device, int tokens, int k) {
        int[] idx = trace.tensors().get("router.layer" + layer + ".topk_idx").ints();
        boolean[] routed = new boolean[tokens];
        int slots = 0;
        for (int s = 0; s < tokens * k; s++) {
            if (placed[idx[s]] == device) {
                slots++;
                routed[s / k] = true;
            }
        }
        int u = 0;
        for (boolean r : routed) {
            u += r ? 1 : 0;
        }
        return new ExpertTraffic(u, slots);
    }

    /**
     * The second golden forward case of {@code model} through {@code engine} (traced, every row's logits)
     * and through the shared single-device engine, with the hand-off bytes the first counted.
     */
    static Compared compare(Engine engine, String model, String variant) {
        int[] ids = Golden.ints(Golden.of(model).forwardCases().get(1).get("input_ids"));
        AttentionMask mask = GoldenAssertions.mask(variant);
        ForwardTrace trace = new ForwardTrace();
        EngineStats.Snapshot before = engine.stats().snapshot();
        ForwardResult got = logits(engine, ids, mask, trace);
        long handoff = engine.stats().snapshot().minus(before).handoffBytes();
        return new Compared(ids.length, got, logits(TestEngines.engine(model), ids, mask, TraceSink.NONE), trace,
                handoff);
    }

    private static ForwardResult logits(Engine engine, int[] ids, AttentionMask mask, TraceSink trace) {
        return engine.forward(new ForwardRequest(ids, 0, mask, false,
                new HeadRequest.Logits(IntStream.range(0, ids.length).toArray()), trace));
    }

    /** The two forwards of {@link #compare}: {@code tokens} rows each. */
    record Compared(int tokens, ForwardResult got, ForwardResult want, ForwardTrace trace, long handoff) {
    }
}
