package dev.llada2.decode;

import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Block-diffusion decoding, the official LLaDA2.0 {@code generate()} (spec §6.1) with the decoding
 * rule as a {@link CommitPolicy}:
 *
 * <ol>
 *   <li>The canvas is {@code prompt ++ [MASK] * ...}, {@code ceil((P + genLength) / B)} blocks of
 *       {@code B = blockLength} tokens tiled from position 0, so the prompt's last partial block is
 *       shared with the first generated tokens. Blocks {@code 0 .. P/B - 1} are complete prompt.</li>
 *   <li>For each block from {@code P / B}, forwards over the window {@code [0, blockEnd)}
 *       (block-causal attention) while the policy asks for rows: each predicts those rows
 *       ({@link TokenChooser}, after the optional {@link RepetitionPenalty}) and the policy decides
 *       what to write: masked rows to fill and, under the joint rule, generated rows to edit. Blocks
 *       before the current one are final.</li>
 *   <li>EOS early stop (when on, and only under a rule whose writes are final): as soon as a
 *       committed candidate is EOS and no mask remains between the prompt and the first EOS of the
 *       answer, generation ends.</li>
 *   <li>End-of-block stop: after a block, if the answer so far holds an EOS, no further block is
 *       decoded (an EOS edited away inside the block does not count).</li>
 *   <li>The result is {@code canvas[P, P + genLength)}, cut after the first EOS (inclusive); tokens
 *       of the last block beyond the requested length are generated and dropped.</li>
 * </ol>
 *
 * <p>The listener sees every forward and the answer's final tokens (a block's tokens once the block
 * is finished, or earlier under a rule whose writes are final), and may cancel between forwards: see
 * {@link DecodeListener} for streaming to a client. A decoder holds the chooser's random state: use
 * one per generation, on one thread; an {@link dev.llada2.runtime.Engine} runs one generation at a
 * time.
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
    private final RepetitionPenalty penalty;
    private final DecodeOptions o;

    public BlockDiffusionDecoder(Denoiser denoiser, CommitPolicy policy, TokenChooser chooser,
                                 RepetitionPenalty penalty, DecodeOptions options) {
        this.denoiser = denoiser;
        this.policy = policy;
        this.chooser = chooser;
        this.penalty = penalty;
        this.o = options;
    }

    /** The decoder the options describe: their rule, a greedy or sampling chooser, their penalty. */
    public static BlockDiffusionDecoder of(Denoiser denoiser, DecodeOptions o) {
        CommitPolicy policy = switch (o.decoding()) {
            case THRESHOLD -> new ThresholdCommit(o.threshold(), o.schedule());
            case JOINT -> new JointThresholdCommit(o.threshold(), o.editThreshold(), o.maxPostEditSteps());
        };
        return new BlockDiffusionDecoder(denoiser, policy, TokenChooser.of(o), new RepetitionPenalty(o.penaltyLambda()),
                o);
    }

    public DecodeResult generate(int[] prompt, DecodeListener listener) {
        int p = prompt.length;
        int b = o.blockLength();
        int blocks = o.positions(p) / b;
        int[] canvas = new int[blocks * b];
        Arrays.fill(canvas, o.maskId());
        System.arraycopy(prompt, 0, canvas, 0, p);
        int first = p / b;
        Stream stream = new Stream(p);
        List<StepRecord> steps = new ArrayList<>();
        int edits = 0;

        long t0 = System.nanoTime();
        boolean cancelled = listener.cancelled();
        if (!cancelled) {
            denoiser.begin(canvas, first, b);
        }
        long prefillNanos = System.nanoTime() - t0;
        long t1 = System.nanoTime();
        boolean earlyStop = false;
        int earlyEnd = -1;
        blockLoop:
        for (int block = first; block < blocks && !cancelled; block++) {
            CurrentBlock current = new CurrentBlock(canvas, block, b, o.maskId());
            for (int[] rows = policy.rows(current); rows.length > 0; rows = policy.rows(current)) {
                if (listener.cancelled()) {
                    cancelled = true;
                    break blockLoop;
                }
                StepRecord step = forward(canvas, current, rows);
                steps.add(step);
                edits += step.editedPositions().length;
                listener.onStep(step, blocks);
                if (policy.writesAreFinal()) {
                    stream.advance(canvas, listener);
                    if (o.eosEarlyStop() && committedEos(step)) {
                        int eos = firstEos(canvas, p, canvas.length);
                        if (eos >= 0 && noMask(canvas, p, eos)) {
                            earlyStop = true;
                            earlyEnd = eos + 1;
                            break blockLoop;
                        }
                    }
                }
                if (step.action().finishesBlock()) {
                    break;
                }
            }
            stream.advance(canvas, listener);
            int end = current.start() + b;
            if (firstEos(canvas, p, end) >= 0) {
                break;
            }
            if (block + 1 < blocks) {
                cancelled = listener.cancelled();
                if (!cancelled) {
                    denoiser.finishBlock(canvas, current.start(), end);
                }
            }
        }
        long decodeNanos = System.nanoTime() - t1;
        int[] generated;
        if (cancelled) {
            generated = Arrays.copyOfRange(canvas, p, stream.next);
        } else {
            int answerEnd = Math.min(p + o.genLength(), earlyStop ? earlyEnd : canvas.length);
            int cut = firstEos(canvas, p, answerEnd);
            generated = Arrays.copyOfRange(canvas, p, cut >= 0 ? cut + 1 : answerEnd);
        }
        return new DecodeResult(generated, canvas, steps, steps.size(), edits, denoiser.prefillForwards(),
                denoiser.cacheForwards(), earlyStop, cancelled, prefillNanos, decodeNanos);
    }

    /** One denoising forward of the current block: predict the policy's rows, apply its decision. */
    private StepRecord forward(int[] canvas, CurrentBlock block, int[] rows) {
        int masked = block.maskedRows().length;
        int start = block.start();
        HeadRequest head = penalty.enabled() ? new HeadRequest.Logits(rows) : chooser.request(rows);
        ForwardResult r = denoiser.denoise(canvas, start, start + block.length(), head);
        penalty.apply(r, block, rows);
        int[] candidate = new int[rows.length];
        float[] confidence = new float[rows.length];
        chooser.choose(r, candidate, confidence);
        CommitPolicy.Decision d = policy.decide(block, rows, candidate, confidence);
        int[] commits = d.commits();
        int[] committedPositions = new int[commits.length];
        int[] committedTokens = new int[commits.length];
        for (int i = 0; i < commits.length; i++) {
            committedPositions[i] = start + rows[commits[i]];
            committedTokens[i] = candidate[commits[i]];
        }
        int[] edits = d.edits();
        int[] editedPositions = new int[edits.length];
        int[] editedFrom = new int[edits.length];
        int[] editedTo = new int[edits.length];
        for (int i = 0; i < edits.length; i++) {
            editedPositions[i] = start + rows[edits[i]];
            editedFrom[i] = block.token(rows[edits[i]]);
            editedTo[i] = candidate[edits[i]];
        }
        for (int i : commits) {
            block.write(rows[i], candidate[i]);
        }
        for (int i : edits) {
            block.write(rows[i], candidate[i]);
        }
        StepRecord record = new StepRecord(block.index(), block.forwards(), committedPositions, committedTokens,
                editedPositions, editedFrom, editedTo, d.path(), masked, d.scheduled(), d.action());
        block.countForward(masked > 0);
        return record;
    }

    private boolean committedEos(StepRecord step) {
        return o.eosEnabled() && Arrays.stream(step.committedTokens()).anyMatch(t -> t == o.eosId());
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

    /**
     * Emits the answer's final tokens left to right, up to the requested length and the first EOS.
     * It is advanced only when the canvas up to its first mask is final: after every forward under a
     * rule whose writes are final, else when a block is finished.
     */
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
