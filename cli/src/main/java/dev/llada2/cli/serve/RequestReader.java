package dev.llada2.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llada2.cli.options.TextPrompts;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.errors.LladaException;
import dev.llada2.tokenizer.ChatMessage;
import dev.llada2.tokenizer.LLaDA2SpecialTokens;
import dev.llada2.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads and validates the body of {@code POST /v1/chat/completions} and {@code POST /v1/completions}
 * into a {@link GenerationRequest}: the prompt as token ids (chat messages through the LLaDA2 chat
 * template, text through the tokenizer, or ids as given), the decoding options
 * ({@link DecodingFields}), stop sequences and the streaming flags. Every problem is an
 * {@link ApiError} naming the field.
 *
 * <p>OpenAI fields this server cannot honour are refused when they ask for something ({@code n > 1},
 * {@code logprobs}, {@code tools}, non-zero {@code presence_penalty}, ...), and accepted when they
 * ask for the default. Fields it does not know are ignored, so that clients written against newer
 * versions of the API keep working.
 */
final class RequestReader {

    /** OpenAI's limit on stop sequences. */
    static final int MAX_STOP_SEQUENCES = 4;

    private final String modelId;
    private final DecodeOptions defaults;
    private final Optional<Tokenizer> tokenizer;
    private final String maskSource;
    private final int vocabSize;
    private final int context;
    private final Optional<String> chatProblem;

    RequestReader(String modelId, DecodeOptions defaults, Optional<Tokenizer> tokenizer, String maskSource,
                  int vocabSize, int context) {
        this.modelId = modelId;
        this.defaults = defaults;
        this.tokenizer = tokenizer;
        this.maskSource = maskSource;
        this.vocabSize = vocabSize;
        this.context = context;
        this.chatProblem = tokenizer.isEmpty()
                ? Optional.of("this server has no tokenizer (no tokenizer.json beside the model, no --tokenizer), so it"
                        + " cannot apply the chat template; use /v1/completions with a prompt of token ids")
                : templateProblem(tokenizer.get(), defaults.maskId(), maskSource);
    }

    /** Why chat requests cannot be served, if they cannot: the tokenizer lacks LLaDA2's template tokens. */
    Optional<String> chatProblem() {
        return chatProblem;
    }

    private static Optional<String> templateProblem(Tokenizer t, int maskId, String maskSource) {
        try {
            LLaDA2SpecialTokens.resolve(t).verifyMaskId(maskId, maskSource);
            return Optional.empty();
        } catch (LladaException e) {
            return Optional.of("the chat template cannot be applied with this server's tokenizer (" + e.getMessage()
                    + "); use /v1/completions");
        }
    }

    GenerationRequest chat(JsonNode body) {
        Fields f = common(body);
        f.bool("logprobs").filter(b -> b).ifPresent(b -> {
            throw ApiError.unsupported("logprobs", "logprobs are not supported");
        });
        noneOrEmpty(f, "tools");
        noneOrEmpty(f, "functions");
        JsonNode toolChoice = f.node("tool_choice");
        if (toolChoice != null && !(toolChoice.isTextual() && List.of("none", "auto").contains(toolChoice.asText()))) {
            throw ApiError.unsupported("tool_choice", "tool calls are not supported");
        }
        f.object("response_format").ifPresent(r -> {
            if (!"text".equals(r.path("type").asText())) {
                throw ApiError.unsupported("response_format.type", "only response_format {\"type\": \"text\"} is"
                        + " supported, got " + r.path("type"));
            }
        });
        List<ChatMessage> messages = messages(f);
        chatProblem.ifPresent(problem -> {
            throw ApiError.unsupported("messages", problem);
        });
        int[] prompt = TextPrompts.chat(tokenizer.orElseThrow(), messages, defaults, maskSource);
        return finish(f, GenerationRequest.Api.CHAT, prompt, "messages");
    }

    GenerationRequest completion(JsonNode body) {
        Fields f = common(body);
        if (f.given("logprobs") && !(f.node("logprobs").isIntegralNumber() && f.node("logprobs").asInt() == 0)) {
            throw ApiError.unsupported("logprobs", "logprobs are not supported");
        }
        f.bool("echo").filter(b -> b).ifPresent(b -> {
            throw ApiError.unsupported("echo", "echo is not supported");
        });
        f.integer("best_of", 1, 1);
        f.string("suffix").ifPresent(s -> {
            throw ApiError.unsupported("suffix", "suffix (insertion) is not supported");
        });
        return finish(f, GenerationRequest.Api.COMPLETION, prompt(f), "prompt");
    }

    /** The checks both APIs share: an object body, the model, and fields that must keep their defaults. */
    private Fields common(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiError.invalid(null, "the request body must be a JSON object");
        }
        Fields f = new Fields(body, "");
        f.string("model").ifPresent(m -> {
            if (!m.equals(modelId)) {
                throw new ApiError(400, "invalid_request_error", "model", "model_not_found", "the model '" + m
                        + "' does not exist here; this server serves '" + modelId + "' (see GET /v1/models)");
            }
        });
        f.integer("n", 1, 1);
        f.string("user");
        for (String penalty : List.of("presence_penalty", "frequency_penalty")) {
            if (f.number(penalty, -2, false, 2).orElse(0) != 0) {
                throw ApiError.unsupported(penalty, penalty + " is not supported (penalty_lambda is this server's"
                        + " repetition penalty)");
            }
        }
        f.object("logit_bias").filter(b -> !b.isEmpty()).ifPresent(b -> {
            throw ApiError.unsupported("logit_bias", "logit_bias is not supported");
        });
        return f;
    }

    private GenerationRequest finish(Fields f, GenerationRequest.Api api, int[] prompt, String promptParam) {
        DecodeOptions options = DecodingFields.read(f, defaults, prompt.length, promptParam, context, vocabSize);
        List<String> stop = stop(f);
        boolean stream = f.bool("stream").orElse(false);
        boolean includeUsage = f.object("stream_options").map(o -> new Fields(o, "stream_options")
                .bool("include_usage").orElse(false)).orElse(false);
        return new GenerationRequest(api, prompt, options, stop, stream, includeUsage);
    }

    private List<ChatMessage> messages(Fields f) {
        JsonNode array = f.node("messages");
        if (array == null) {
            throw ApiError.invalid("messages", "messages is required");
        }
        if (!array.isArray()) {
            throw f.typeError("messages", "an array of messages", array);
        }
        if (array.isEmpty()) {
            throw ApiError.invalid("messages", "messages must not be empty");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            String at = "messages[" + i + "]";
            JsonNode m = array.get(i);
            if (!m.isObject()) {
                throw ApiError.invalid(at, at + " must be an object, got " + Fields.describe(m));
            }
            Fields mf = new Fields(m, at);
            String role = mf.string("role").orElseThrow(() -> ApiError.invalid(mf.path("role"), mf.path("role")
                    + " is required"));
            ChatMessage.Role r = switch (role) {
                case "system", "developer" -> ChatMessage.Role.SYSTEM;
                case "user" -> ChatMessage.Role.USER;
                case "assistant" -> ChatMessage.Role.ASSISTANT;
                default -> throw ApiError.invalid(mf.path("role"), mf.path("role") + " must be system, developer,"
                        + " user or assistant, got \"" + role + "\"" + (role.equals("tool") || role.equals("function")
                        ? " (tool calls are not supported)" : ""));
            };
            mf.string("name");
            out.add(new ChatMessage(r, content(mf)));
        }
        return out;
    }

    /** A message's content: a string, or an array of {@code {"type": "text", "text": ...}} parts. */
    private static String content(Fields mf) {
        JsonNode c = mf.node("content");
        if (c == null) {
            throw ApiError.invalid(mf.path("content"), mf.path("content") + " is required");
        }
        if (c.isTextual()) {
            return c.asText();
        }
        if (!c.isArray()) {
            throw mf.typeError("content", "a string or an array of text parts", c);
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < c.size(); j++) {
            Fields part = new Fields(c.get(j), mf.path("content") + "[" + j + "]");
            if (!c.get(j).isObject()) {
                throw ApiError.invalid(part.path("type"), mf.path("content") + "[" + j + "] must be an object");
            }
            String type = part.string("type").orElse("");
            if (!type.equals("text")) {
                throw ApiError.unsupported(part.path("type"), part.path("type") + " must be \"text\" (this model"
                        + " reads text only), got \"" + type + "\"");
            }
            text.append(part.string("text").orElseThrow(() -> ApiError.invalid(part.path("text"), part.path("text")
                    + " is required")));
        }
        return text.toString();
    }

    /**
     * {@code prompt}: a string (encoded as is, no chat template), or an array of token ids; a batch of
     * one (an array holding one string or one array of ids) is that prompt.
     */
    private int[] prompt(Fields f) {
        JsonNode p = f.node("prompt");
        if (p == null) {
            throw ApiError.invalid("prompt", "prompt is required");
        }
        if (p.isArray() && p.size() == 1 && (p.get(0).isTextual() || p.get(0).isArray())) {
            p = p.get(0);
        }
        int[] ids;
        if (p.isTextual()) {
            Tokenizer t = tokenizer.orElseThrow(() -> ApiError.unsupported("prompt", "this server has no tokenizer"
                    + " (no tokenizer.json beside the model, no --tokenizer): give the prompt as an array of token"
                    + " ids"));
            ids = TextPrompts.raw(t, p.asText(), defaults, maskSource);
        } else if (p.isArray()) {
            ids = ids(p);
        } else {
            throw f.typeError("prompt", "a string or an array of token ids", p);
        }
        if (ids.length == 0) {
            throw ApiError.invalid("prompt", "prompt must not be empty");
        }
        return ids;
    }

    private int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode v = array.get(i);
            String at = "prompt[" + i + "]";
            if (v.isTextual() || v.isArray()) {
                throw ApiError.unsupported("prompt", "one prompt per request: batches of prompts are not supported");
            }
            if (!v.isIntegralNumber()) {
                throw ApiError.invalid(at, at + " must be a token id (an integer), got " + Fields.describe(v));
            }
            if (!v.canConvertToInt() || v.asInt() < 0 || v.asInt() >= vocabSize) {
                throw ApiError.invalid(at, at + " is " + v + ", outside the vocabulary [0, " + vocabSize + ")");
            }
            if (v.asInt() == defaults.maskId()) {
                throw ApiError.invalid(at, at + " is the mask token " + defaults.maskId()
                        + ", which the decoder would fill in");
            }
            ids[i] = v.asInt();
        }
        return ids;
    }

    /** {@code stop}: a string or an array of at most four non-empty strings. */
    private List<String> stop(Fields f) {
        JsonNode s = f.node("stop");
        if (s == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (s.isTextual()) {
            out.add(s.asText());
        } else if (s.isArray()) {
            if (s.size() > MAX_STOP_SEQUENCES) {
                throw ApiError.invalid("stop", "stop has " + s.size() + " sequences; at most " + MAX_STOP_SEQUENCES);
            }
            for (int i = 0; i < s.size(); i++) {
                if (!s.get(i).isTextual()) {
                    throw ApiError.invalid("stop[" + i + "]", "stop[" + i + "] must be a string, got "
                            + Fields.describe(s.get(i)));
                }
                out.add(s.get(i).asText());
            }
        } else {
            throw f.typeError("stop", "a string or an array of strings", s);
        }
        if (out.stream().anyMatch(String::isEmpty)) {
            throw ApiError.invalid("stop", "stop sequences must not be empty");
        }
        if (!out.isEmpty() && tokenizer.isEmpty()) {
            throw ApiError.unsupported("stop", "stop sequences need a tokenizer, and this server has none");
        }
        return List.copyOf(out);
    }

    private static void noneOrEmpty(Fields f, String name) {
        JsonNode v = f.node(name);
        if (v != null && (!v.isArray() || !v.isEmpty())) {
            throw ApiError.unsupported(name, name + " (tool calls) are not supported");
        }
    }
}
