package dev.llada2.perf.e2e;

import dev.llada2.decode.Denoiser;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;

import java.util.ArrayList;
import java.util.List;

/** Times every denoising forward of the {@link Denoiser} it wraps. */
final class TimingDenoiser implements Denoiser {

    private final Denoiser inner;
    private final List<Long> forwardNanos = new ArrayList<>();

    TimingDenoiser(Denoiser inner) {
        this.inner = inner;
    }

    @Override
    public void begin(int[] canvas, int promptBlocks, int blockLength) {
        inner.begin(canvas, promptBlocks, blockLength);
    }

    @Override
    public ForwardResult denoise(int[] canvas, int blockStart, int blockEnd, HeadRequest head) {
        long t0 = System.nanoTime();
        ForwardResult r = inner.denoise(canvas, blockStart, blockEnd, head);
        forwardNanos.add(System.nanoTime() - t0);
        return r;
    }

    @Override
    public void finishBlock(int[] canvas, int blockStart, int blockEnd) {
        inner.finishBlock(canvas, blockStart, blockEnd);
    }

    @Override
    public int prefillForwards() {
        return inner.prefillForwards();
    }

    @Override
    public int cacheForwards() {
        return inner.cacheForwards();
    }

    List<Long> forwardNanos() {
        return forwardNanos;
    }
}
