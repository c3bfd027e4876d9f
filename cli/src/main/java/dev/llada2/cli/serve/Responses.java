package dev.llada2.cli.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.cli.output.Json;
import dev.llada2.decode.DecodeResult;

/**
 * The OpenAI response objects: {@code chat.completion}, {@code text_completion} and their streamed
 * chunks, with {@code usage} and our {@code timings}. Each choice also carries the generated
 * {@code token_ids} (an extension: the answer as the model wrote it, EOS included).
 */
final class Responses {

    private final GenerationRequest.Api api;
    private final String id;
    private final long created;
    private final String model;

    Responses(GenerationRequest.Api api, String id, long created, String model) {
        this.api = api;
        this.id = id;
        this.created = created;
        this.model = model;
    }

    /** The whole answer (no streaming). */
    ObjectNode complete(Answer a) {
        ObjectNode root = head(api.object);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (api == GenerationRequest.Api.CHAT) {
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", a.text());
            message.putNull("refusal");
        } else {
            choice.put("text", a.text());
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", a.finishReason());
        choice.set("token_ids", Json.ints(a.result().generatedIds()));
        root.set("usage", usage(a));
        root.set("timings", timings(a));
        return root;
    }

    /** The first chunk of a streamed chat answer: the assistant's role, no text yet. */
    ObjectNode opening() {
        ObjectNode root = head(api.chunkObject());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        delta.put("role", "assistant");
        delta.put("content", "");
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return root;
    }

    /** One finished block. */
    ObjectNode piece(String text, int[] ids) {
        ObjectNode root = head(api.chunkObject());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (api == GenerationRequest.Api.CHAT) {
            choice.putObject("delta").put("content", text);
        } else {
            choice.put("text", text);
        }
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        choice.set("token_ids", Json.ints(ids));
        return root;
    }

    /** The last chunk: the finish reason, with usage and timings (sent always, not only when asked). */
    ObjectNode last(Answer a) {
        ObjectNode root = head(api.chunkObject());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (api == GenerationRequest.Api.CHAT) {
            choice.putObject("delta");
        } else {
            choice.put("text", "");
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", a.finishReason());
        root.set("usage", usage(a));
        root.set("timings", timings(a));
        return root;
    }

    /** OpenAI's usage-only chunk ({@code stream_options.include_usage}): no choices. */
    ObjectNode usageChunk(Answer a) {
        ObjectNode root = head(api.chunkObject());
        root.putArray("choices");
        root.set("usage", usage(a));
        return root;
    }

    private ObjectNode head(String object) {
        ObjectNode root = Json.object();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", model);
        return root;
    }

    static ObjectNode usage(Answer a) {
        ObjectNode u = Json.object();
        int completion = a.result().generatedIds().length;
        u.put("prompt_tokens", a.promptTokens());
        u.put("completion_tokens", completion);
        u.put("total_tokens", a.promptTokens() + completion);
        return u;
    }

    /** Our timing fields: where the time went and how parallel the decoding was. */
    static ObjectNode timings(Answer a) {
        DecodeResult r = a.result();
        ObjectNode t = Json.object();
        t.put("queued_ms", a.queuedNanos() / 1e6);
        t.put("prefill_ms", r.prefillNanos() / 1e6);
        t.put("decode_ms", r.decodeNanos() / 1e6);
        t.put("total_ms", a.totalNanos() / 1e6);
        t.put("forwards", r.forwards());
        t.put("prefill_forwards", r.prefillForwards());
        t.put("cache_forwards", r.cacheForwards());
        t.put("edits", r.edits());
        t.put("tokens_per_forward", r.tokensPerForward());
        t.put("tokens_per_second", r.tokensPerSecond());
        return t;
    }
}
