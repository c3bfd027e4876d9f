package dev.llada2.decode;

import dev.llada2.runtime.ForwardResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Block-diffusion decoding, the official LLaDA2.0 {@code generate()} (spec §6.1), step for step:
 *
 * <ol>
 *   <li>The canvas is {@code prompt ++ [MASK] * ...}, {@code ceil((P + genLength) / B)} blocks of
 *       {@code B = blockLength} tokens tiled from position 0, so the prompt's last partial block is
 *       shared with the first generated tokens. Blocks {@code 0 .. P/B - 1} are complete prompt.</li>
 *   <li>For each block from {@code P / B}: up to {@code steps} denoising forwards over the window
 *       {@code [0, blockEnd)} (block-causal attention); each predicts every masked position of the
 *       block ({@link TokenChooser}) and the {@link CommitPolicy} picks which to commit, with the
 *       per-step count from {@link DecodeOptions#schedule()}. A block stops early when no mask is
 *       left.</li>
 *   <li>EOS early stop (when on): as soon as a committed candidate is EOS and no mask remains between
 *       the prompt and the first EOS of the answer, generation ends.</li>
 *   <li>End-of-block stop: after a block, if the answer so far holds an EOS, no further block is
 *       decoded.</li>
 *   <li>The result is {@code canvas[P, P + genLength)}, cut after the first EOS (inclusive); tokens
 *       of the last block beyond the requested length are generated and dropped.</li>
 * </ol>
 *
 * <p>Deviations, both deliberate: the EOS early stop looks for the first EOS from the prompt's end,
 * not from position 0 (the official scan would return a truncated prompt if the prompt contained an
 * EOS), and the early-stop result is the generated part only, like the normal path (the official
 * early-stop path also returns the prompt).
 */
public final class BlockDiffusionDecoder {

    private final Denoiser denoiser;
    private final CommitPolicy policy;
    private final TokenChooser chooser;
    private final DecodeOptions o;

    public BlockDiffusionDecoder(Denoiser denoiser, CommitPolicy policy, TokenChooser chooser, DecodeOptions options) {
        this.denoiser = denoiser;
        this.policy = policy;
        this.chooser = chooser;
        this.o = options;
    }

    /** The official configuration: threshold commit, greedy or sampling chooser per the options. */
    public static BlockDiffusionDecoder official(Denoiser denoiser, DecodeOptions options) {
        return new BlockDiffusionDecoder(denoiser, new ThresholdCommit(options.threshold()), TokenChooser.of(options),
                options);
    }

    public DecodeResult generate(int[] prompt, DecodeListener listener) {
        int p = prompt.length;
        int b = o.blockLength();
        int blocks = (p + o.genLength() + b - 1) / b;
        int[] canvas = new int[blocks * b];
        Arrays.fill(canvas, o.maskId());
        System.arraycopy(prompt, 0, canvas, 0, p);
        int[] schedule = o.schedule();
        int first = p / b;
        Stream stream = new Stream(p);
        List<StepRecord> steps = new ArrayList<>();

        long t0 = System.nanoTime();
        denoiser.begin(canvas, first, b);
        long prefillNanos = System.nanoTime() - t0;
        long t1 = System.nanoTime();
        boolean earlyStop = false;
        int earlyEnd = -1;
        blockLoop:
        for (int block = first; block < blocks; block++) {
            int start = block * b;
            int end = start + b;
            for (int s = 0; s < schedule.length; s++) {
                int[] masked = maskedRows(canvas, start, end);
                if (masked.length == 0) {
                    break;
                }
                ForwardResult r = denoiser.denoise(canvas, start, end, chooser.request(masked));
                int[] candidate = new int[masked.length];
                float[] confidence = new float[masked.length];
                chooser.choose(r, candidate, confidence);
                CommitPolicy.Decision d = policy.decide(masked, candidate, confidence, schedule[s]);
                int[] positions = new int[d.picks().length];
                int[] tokens = new int[d.picks().length];
                boolean committedEos = false;
                for (int i = 0; i < positions.length; i++) {
                    int pick = d.picks()[i];
                    positions[i] = start + masked[pick];
                    tokens[i] = candidate[pick];
                    canvas[positions[i]] = tokens[i];
                    committedEos |= o.eosEnabled() && tokens[i] == o.eosId();
                }
                StepRecord record = new StepRecord(block, s, positions, tokens, d.path(), masked.length, schedule[s]);
                steps.add(record);
                listener.onStep(record, blocks);
                stream.advance(canvas, listener);
                if (o.eosEarlyStop() && committedEos) {
                    int eos = firstEos(canvas, p);
                    if (eos >= 0 && noMask(canvas, p, eos)) {
                        earlyStop = true;
                        earlyEnd = eos + 1;
                        break blockLoop;
                    }
                }
            }
            if (firstEos(canvas, p, end) >= 0) {
                break;
            }
            if (block + 1 < blocks) {
                denoiser.finishBlock(canvas, start, end);
            }
        }
        long decodeNanos = System.nanoTime() - t1;
        int answerEnd = Math.min(p + o.genLength(), earlyStop ? earlyEnd : canvas.length);
        int cut = firstEos(canvas, p, answerEnd);
        int[] generated = Arrays.copyOfRange(canvas, p, cut >= 0 ? cut + 1 : answerEnd);
        return new DecodeResult(generated, canvas, steps, steps.size(), denoiser.prefillForwards(),
                denoiser.cacheForwards(), earlyStop, prefillNanos, decodeNanos);
    }

    private int[] maskedRows(int[] canvas, int start, int end) {
        int n = 0;
        int[] rows = new int[end - start];
        for (int i = start; i < end; i++) {
            if (canvas[i] == o.maskId()) {
                rows[n++] = i - start;
            }
        }
        return Arrays.copyOf(rows, n);
    }

    private int firstEos(int[] canvas, int from) {
        return firstEos(canvas, from, canvas.length);
    }

    /** First EOS in {@code [from, to)}, or -1 (always -1 with EOS handling off). */
    private int firstEos(int[] canvas, int from, int to) {
        if (!o.eosEnabled()) {
            return -1;
        }
        for (int i = from; i < to; i++) {
            if (canvas[i] == o.eosId()) {
                return i;
            }
        }
        return -1;
    }

    private boolean noMask(int[] canvas, int from, int to) {
        for (int i = from; i < to; i++) {
            if (canvas[i] == o.maskId()) {
                return false;
            }
        }
        return true;
    }

    /** Emits the answer's final tokens left to right, up to the requested length and the first EOS. */
    private final class Stream {
        private final int promptLength;
        private int next;
        private boolean done;

        Stream(int promptLength) {
            this.promptLength = promptLength;
            this.next = promptLength;
        }

        void advance(int[] canvas, DecodeListener listener) {
            int limit = Math.min(canvas.length, promptLength + o.genLength());
            int from = next;
            while (!done && next < limit && canvas[next] != o.maskId()) {
                done = o.eosEnabled() && canvas[next] == o.eosId();
                next++;
            }
            if (next > from) {
                listener.onTokens(Arrays.copyOfRange(canvas, from, next));
            }
        }
    }
}
