package dev.llada2.cli.serve;

import dev.llada2.decode.DecodeOptions;

import java.util.List;

/**
 * One validated request, ready to queue.
 *
 * @param api          which API answers it (chat or text completion): decides the response objects
 * @param prompt       the prompt's token ids (chat template applied for chat)
 * @param options      the decoding options: the server's defaults with the request's fields applied
 * @param stop         stop sequences; the text ends before the first one found (empty: none)
 * @param stream       answer with Server-Sent Events, one chunk per finished block
 * @param includeUsage {@code stream_options.include_usage}: also send OpenAI's usage-only chunk
 */
record GenerationRequest(Api api, int[] prompt, DecodeOptions options, List<String> stop, boolean stream,
                         boolean includeUsage) {

    enum Api {
        CHAT("/v1/chat/completions", "chat.completion", "chatcmpl-"),
        COMPLETION("/v1/completions", "text_completion", "cmpl-");

        final String path;
        final String object;
        final String idPrefix;

        Api(String path, String object, String idPrefix) {
            this.path = path;
            this.object = object;
            this.idPrefix = idPrefix;
        }

        /** The object type of a streamed chunk. */
        String chunkObject() {
            return this == CHAT ? "chat.completion.chunk" : "text_completion";
        }
    }
}
