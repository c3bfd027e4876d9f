package dev.llada2.decode;

import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A scripted denoiser: the prediction at an absolute position is a function of the canvas and the
 * position, so tests control every decision of the decoder. It records the rows each forward asked
 * for and the block each cache update appended.
 */
final class FakeDenoiser implements Denoiser {

    /** The scripted prediction for one position. */
    interface Script {
        /** Token predicted at {@code position}; the confidence comes from {@link #confidence}. */
        int token(int[] canvas, int position);

        float confidence(int[] canvas, int position);

        /** Logits at {@code position}, for a logits request (repetition penalty, sampling). */
        default float[] logits(int[] canvas, int position) {
            throw new UnsupportedOperationException("this script has no logits");
        }
    }

    private final Script script;
    int begins;
    int denoises;
    int finishes;
    int lastPromptBlocks = -1;
    final List<int[]> requestedRows = new ArrayList<>();
    final List<int[]> finishedBlocks = new ArrayList<>();

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
        if (head instanceof HeadRequest.Logits l) {
            requestedRows.add(l.rows());
            float[][] logits = new float[l.rows().length][];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = script.logits(canvas, blockStart + l.rows()[i]);
            }
            return new ForwardResult(null, null, logits);
        }
        int[] rows = ((HeadRequest.Greedy) head).rows();
        requestedRows.add(rows);
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
        finishedBlocks.add(Arrays.copyOfRange(canvas, blockStart, blockEnd));
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
