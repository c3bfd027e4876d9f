package dev.llada2.cli.output;

import dev.llada2.decode.BlockDiffusionDecoder;
import dev.llada2.decode.DecodeListener;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeResult;
import dev.llada2.decode.EngineDenoiser;
import dev.llada2.decode.StepRecord;
import dev.llada2.runtime.Engine;

/**
 * One generation as the CLI shows it: live progress (block, step, tokens/s) on the status line,
 * the answer streamed through a {@link TokenPrinter} as blocks fill, and the optional trace file.
 * Shared by {@code generate}, {@code chat} and {@code demo}.
 */
public final class StreamingGeneration {

    private StreamingGeneration() {
    }

    /** @param printer null when nothing is streamed (JSON output); trace may be null */
    public static DecodeResult run(Engine engine, DecodeOptions o, int[] prompt, TokenPrinter printer,
                                   Terminal.StatusLine status, TraceWriter trace) {
        long start = System.nanoTime();
        int[] produced = {0};
        DecodeListener listener = new DecodeListener() {
            @Override
            public void onStep(StepRecord s, int blocks) {
                if (trace != null) {
                    trace.write(s);
                }
                double secs = Math.max((System.nanoTime() - start) / 1e9, 1e-9);
                status.show(String.format("[block %d/%d, step %d, %d tokens, %.1f tokens/s]", s.block() + 1, blocks,
                        s.step() + 1, produced[0], produced[0] / secs), false);
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
        DecodeResult r = BlockDiffusionDecoder.official(new EngineDenoiser(engine, o.kvCache()), o)
                .generate(prompt, listener);
        status.clear();
        if (printer != null) {
            printer.finish();
        }
        return r;
    }
}
