package dev.llada2.cli.output;

import dev.llada2.decode.BlockDiffusionDecoder;
import dev.llada2.decode.DecodeListener;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeResult;
import dev.llada2.decode.EngineDenoiser;
import dev.llada2.decode.StepRecord;
import dev.llada2.runtime.Engine;

/**
 * One generation as the CLI shows it: live progress (block, step, tokens, edits, tokens/s) on the
 * status line, the answer streamed through a {@link TokenPrinter} as it becomes final (under the
 * joint rule a block at a time, when no edit can change it any more), and the optional trace file.
 * Shared by {@code generate}, {@code chat} and {@code demo}; {@link #decode} is what {@code serve} runs too.
 */
public final class StreamingGeneration {

    private StreamingGeneration() {
    }

    /** @param printer null when nothing is streamed (JSON output); trace may be null */
    public static DecodeResult run(Engine engine, DecodeOptions o, int[] prompt, TokenPrinter printer,
                                   Terminal.StatusLine status, TraceWriter trace) {
        long start = System.nanoTime();
        int[] produced = {0};
        int[] edits = {0};
        DecodeListener listener = new DecodeListener() {
            @Override
            public void onStep(StepRecord s, int blocks) {
                if (trace != null) {
                    trace.write(s);
                }
                edits[0] += s.editedPositions().length;
                double secs = Math.max((System.nanoTime() - start) / 1e9, 1e-9);
                status.show(String.format("[block %d/%d, step %d, %d tokens%s, %.1f tokens/s]", s.block() + 1, blocks,
                        s.step() + 1, produced[0], edits[0] > 0 ? ", " + edits[0] + " edits" : "",
                        produced[0] / secs), false);
            }

            @Override
            public void onTokens(int[] tokens) {
                produced[0] += tokens.length;
                if (printer != null) {
                    status.clear();
                    printer.print(tokens);
                }
            }
        };
        if (prompt.length >= 2 * o.blockLength()) {
            // the prefill is one forward over the prompt's whole blocks: say what is happening until the first step
            status.show(String.format("[prefill: %,d prompt tokens]", prompt.length / o.blockLength() * o.blockLength()),
                    true);
        }
        DecodeResult r = decode(engine, o, prompt, listener);
        status.clear();
        if (printer != null) {
            printer.finish();
        }
        return r;
    }

    /**
     * The generation path every front end shares (this class for the terminal, {@code llada2 serve}
     * for HTTP clients): the decoder the options describe, on the engine, with the KV cache as asked.
     */
    public static DecodeResult decode(Engine engine, DecodeOptions o, int[] prompt, DecodeListener listener) {
        return BlockDiffusionDecoder.of(new EngineDenoiser(engine, o.kvCache()), o).generate(prompt, listener);
    }
}
