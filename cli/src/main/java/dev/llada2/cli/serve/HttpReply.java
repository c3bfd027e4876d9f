package dev.llada2.cli.serve;

import dev.llada2.decode.DecodeResult;

import java.util.Locale;

/** A {@link Reply} over HTTP: one JSON object, or Server-Sent Events in OpenAI's chunk format. */
final class HttpReply implements Reply {

    private final Exchange exchange;
    private final Responses responses;
    private final GenerationRequest request;

    HttpReply(Exchange exchange, Responses responses, GenerationRequest request) {
        this.exchange = exchange;
        this.responses = responses;
        this.request = request;
    }

    @Override
    public void start() {
        if (request.stream()) {
            exchange.startEvents();
            if (request.api() == GenerationRequest.Api.CHAT) {
                exchange.event(responses.opening());
            }
        }
    }

    @Override
    public void piece(String text, int[] ids) {
        if (request.stream()) {
            exchange.event(responses.piece(text, ids));
        }
    }

    @Override
    public void finish(Answer a) {
        String detail = String.format(Locale.ROOT, "%d prompt + %d tokens, %d forwards, %s", a.promptTokens(),
                a.result().generatedIds().length, a.result().forwards(), a.finishReason());
        if (request.stream()) {
            exchange.event(responses.last(a));
            if (request.includeUsage()) {
                exchange.event(responses.usageChunk(a));
            }
            exchange.endEvents(detail);
        } else {
            exchange.json(200, responses.complete(a), detail);
        }
    }

    @Override
    public void fail(ApiError error) {
        exchange.error(error, false);
    }

    @Override
    public void abandoned(DecodeResult r) {
        exchange.abandoned(r == null ? "client disconnected while queued; never ran" : String.format(Locale.ROOT,
                "client disconnected; generation cancelled after %d forwards, %d tokens final", r.forwards()
                        + r.prefillForwards() + r.cacheForwards(), r.generatedIds().length));
    }
}
