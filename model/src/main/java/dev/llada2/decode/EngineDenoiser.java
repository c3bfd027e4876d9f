package dev.llada2.decode;

import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.runtime.NonFiniteCheck;
import dev.llada2.trace.TraceSink;

import java.util.Arrays;

/**
 * A {@link Denoiser} over an {@link Engine}, in one of two exactly equivalent modes (spec §5):
 * <ul>
 *   <li>no cache: every step recomputes the whole window {@code [0, blockEnd)} under the
 *       block-causal mask, as the official {@code generate()} does;</li>
 *   <li>prefix KV cache: complete prompt blocks are prefilled once; each step runs only the current
 *       block, with its tokens as they are at that step, against the cached prefix plus itself, and
 *       keeps nothing of it (edits may change any of its tokens before the next step); a finished
 *       block is run once more with its final tokens to append its keys/values. A finished block's
 *       keys/values depend only on itself and earlier blocks, so the output is identical.</li>
 * </ul>
 * A forward whose head results are not finite (NaN/Inf) stops the generation with an error naming
 * where they first appeared ({@link NonFiniteCheck}).
 */
public final class EngineDenoiser implements Denoiser {

    private final Engine engine;
    private final boolean cached;
    private AttentionMask mask;
    private int prefillForwards;
    private int cacheForwards;

    public EngineDenoiser(Engine engine, boolean cached) {
        this.engine = engine;
        this.cached = cached;
    }

    @Override
    public void begin(int[] canvas, int promptBlocks, int blockLength) {
        engine.resetCache();
        mask = new AttentionMask.BlockCausal(blockLength);
        if (cached && promptBlocks > 0) {
            engine.forward(new ForwardRequest(Arrays.copyOf(canvas, promptBlocks * blockLength), 0, mask, true,
                    HeadRequest.none(), TraceSink.NONE));
            prefillForwards++;
        }
    }

    @Override
    public ForwardResult denoise(int[] canvas, int blockStart, int blockEnd, HeadRequest head) {
        ForwardResult r = cached
                ? engine.forward(new ForwardRequest(Arrays.copyOfRange(canvas, blockStart, blockEnd), blockStart,
                        mask, false, head, TraceSink.NONE))
                : engine.forward(new ForwardRequest(Arrays.copyOf(canvas, blockEnd), 0, mask, false,
                        shift(head, blockStart), TraceSink.NONE));
        int bad = NonFiniteCheck.firstBadRow(r);
        if (bad >= 0) {
            int[] rows = head instanceof HeadRequest.Greedy g ? g.rows() : ((HeadRequest.Logits) head).rows();
            throw NonFiniteCheck.failure(engine, Arrays.copyOf(canvas, blockEnd), mask, blockStart + rows[bad]);
        }
        return r;
    }

    @Override
    public void finishBlock(int[] canvas, int blockStart, int blockEnd) {
        if (cached) {
            engine.forward(new ForwardRequest(Arrays.copyOfRange(canvas, blockStart, blockEnd), blockStart, mask,
                    true, HeadRequest.none(), TraceSink.NONE));
            cacheForwards++;
        }
    }

    /** Rows relative to the block become rows of the whole window. */
    private static HeadRequest shift(HeadRequest head, int offset) {
        return switch (head) {
            case HeadRequest.None n -> n;
            case HeadRequest.Greedy g -> new HeadRequest.Greedy(Arrays.stream(g.rows()).map(r -> r + offset).toArray());
            case HeadRequest.Logits l -> new HeadRequest.Logits(Arrays.stream(l.rows()).map(r -> r + offset).toArray());
        };
    }

    @Override
    public int prefillForwards() {
        return prefillForwards;
    }

    @Override
    public int cacheForwards() {
        return cacheForwards;
    }
}
