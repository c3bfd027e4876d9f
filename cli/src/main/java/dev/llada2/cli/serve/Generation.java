package dev.llada2.cli.serve;

import dev.llada2.cli.output.StreamingGeneration;
import dev.llada2.decode.DecodeListener;
import dev.llada2.decode.DecodeResult;
import dev.llada2.runtime.Engine;
import dev.llada2.tokenizer.Tokenizer;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One request's generation: queued, then run on the engine by the {@link GenerationQueue}'s thread,
 * streaming final blocks to its {@link Reply}. It can be cancelled at any time (client gone, timeout,
 * shutdown): while queued it never runs; while running the decoder stops before its next forward.
 */
final class Generation {

    enum Cancel {
        CLIENT_GONE("client_disconnected"), TIMEOUT("timeout"), SHUTDOWN("shutdown");

        final String label;

        Cancel(String label) {
            this.label = label;
        }
    }

    private enum State { QUEUED, RUNNING, DONE }

    private final GenerationRequest request;
    private final Reply reply;
    private final ApiErrors errors;
    private final Metrics metrics;
    private final long arrivedNanos;
    private final AtomicReference<State> state = new AtomicReference<>(State.QUEUED);
    private final AtomicReference<Cancel> cancel = new AtomicReference<>();

    Generation(GenerationRequest request, Reply reply, ApiErrors errors, Metrics metrics, long arrivedNanos) {
        this.request = request;
        this.reply = reply;
        this.errors = errors;
        this.metrics = metrics;
        this.arrivedNanos = arrivedNanos;
    }

    /**
     * Asks the generation to stop. Returns true if it was still queued: it will never run, and the
     * caller answers for it ({@link #abandon}); otherwise the running decoder stops at its next forward.
     */
    boolean cancel(Cancel why) {
        cancel.compareAndSet(null, why);
        return state.compareAndSet(State.QUEUED, State.DONE);
    }

    /** Answers for a generation cancelled while queued. */
    void abandon() {
        Cancel why = cancel.get();
        metrics.cancelled(why);
        if (why == Cancel.CLIENT_GONE) {
            reply.abandoned(null);
        } else {
            reply.fail(errors.cancelled(why));
        }
    }

    /** Runs it on the engine unless it was cancelled while queued. Called on the generation thread. */
    void runOn(Engine engine, Optional<Tokenizer> tokenizer) {
        if (!state.compareAndSet(State.QUEUED, State.RUNNING)) {
            return;
        }
        long started = System.nanoTime();
        try {
            reply.start();
            AnswerStream answer = new AnswerStream(request.prompt().length, request.options().blockLength(), tokenizer,
                    request.stop(), reply::piece);
            DecodeListener listener = new DecodeListener() {
                @Override
                public void onTokens(int[] tokens) {
                    answer.tokens(tokens);
                }

                @Override
                public boolean cancelled() {
                    return cancel.get() != null || answer.stopped();
                }
            };
            DecodeResult r = StreamingGeneration.decode(engine, request.options(), request.prompt(), listener);
            metrics.generation(request.prompt().length, r);
            Cancel why = cancel.get();
            if (r.cancelled() && why != null) {
                metrics.cancelled(why);
            }
            if (why == Cancel.CLIENT_GONE) {
                reply.abandoned(r);
            } else if (r.cancelled() && !answer.stopped()) {
                reply.fail(errors.cancelled(why));
            } else {
                answer.finish();
                int[] ids = r.generatedIds();
                boolean eos = ids.length > 0 && request.options().eosEnabled() && ids[ids.length - 1] == request.options().eosId();
                long now = System.nanoTime();
                reply.finish(new Answer(answer.text(), answer.stopped() || eos ? "stop" : "length", r,
                        request.prompt().length, started - arrivedNanos, now - arrivedNanos));
            }
        } catch (RuntimeException e) {
            reply.fail(errors.internal(e));
        } finally {
            state.set(State.DONE);
        }
    }
}
