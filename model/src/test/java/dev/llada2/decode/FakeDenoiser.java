package dev.llada2.decode;

import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;

/**
 * A scripted denoiser: the prediction at an absolute position is a function of the canvas and the
 * position, so tests control every decision of the decoder.
 */
final class FakeDenoiser implements Denoiser {

    /** The scripted prediction for one position. */
    interface Script {
        /** Token predicted at {@code position}; the confidence comes from {@link #confidence}. */
        int token(int[] canvas, int position);

        float confidence(int[] canvas, int position);
    }

    private final Script script;
    int begins;
    int denoises;
    int finishes;
    int lastPromptBlocks = -1;

    FakeDenoiser(Script script) {
        this.script = script;
    }

    @Override
    public void begin(int[] canvas, int promptBlocks, int blockLength) {
        begins++;
        lastPromptBlocks = promptBlocks;
    }

    @Override
    public ForwardResult denoise(int[] canvas, int blockStart, int blockEnd, HeadRequest head) {
        denoises++;
        int[] rows = ((HeadRequest.Greedy) head).rows();
        int[] argmax = new int[rows.length];
        float[] conf = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            argmax[i] = script.token(canvas, blockStart + rows[i]);
            conf[i] = script.confidence(canvas, blockStart + rows[i]);
        }
        return new ForwardResult(argmax, conf, null);
    }

    @Override
    public void finishBlock(int[] canvas, int blockStart, int blockEnd) {
        finishes++;
    }

    @Override
    public int prefillForwards() {
        return 0;
    }

    @Override
    public int cacheForwards() {
        return finishes;
    }
}
