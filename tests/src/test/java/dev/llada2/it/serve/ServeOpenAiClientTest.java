package dev.llada2.it.serve;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import dev.llada2.it.cli.Cli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official OpenAI Java client ({@code com.openai:openai-java}) against {@code llada2 serve} on the
 * loopback interface, on the demo model (random weights, a real byte-level BPE tokenizer): chat and
 * text completions, streamed and not, greedy, each equal to what {@code llada2 generate} writes for
 * the same prompt and options (text and token ids); a streamed answer arrives as one chunk per
 * finished block. The server requires an API key, which the client sends.
 */
class ServeOpenAiClientTest {

    static final String KEY = "test-key-7d1f";

    @TempDir
    static Path tmp;
    static Path demo;
    static RunningServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        demo = tmp.resolve("demo");
        Cli made = Cli.run("demo", "--dir", demo.toString(), "--gen-length", "4");
        assertEquals(0, made.exitCode(), made.toString());
        server = RunningServer.start("--model", demo.toString(), "--backend", "cpu", "--api-key", KEY);
        client = OpenAIOkHttpClient.builder().baseUrl(server.base + "/v1").apiKey(KEY).maxRetries(0)
                .timeout(Duration.ofMinutes(5)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void chatEqualsGenerateStreamedAndNot() {
        String system = "Be brief.";
        String user = "What is block diffusion?";
        JsonNode want = generate("--system", system, "--prompt", user, "--gen-length", "48");
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("demo")
                .addSystemMessage(system).addUserMessage(user).maxCompletionTokens(48).temperature(0).build();

        ChatCompletion c = client.chat().completions().create(params);
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertEquals(want.get("text").asText(), choice.message().content().orElseThrow());
        assertEquals(ids(want.get("generated_ids")), ids(choice._allProperties()));
        assertEquals(want.get("prompt_length").asLong(), c.usage().orElseThrow().promptTokens());
        assertEquals(want.get("generated_ids").size(), c.usage().orElseThrow().completionTokens());
        assertEquals(want.get("forwards").asInt(), c._allProperties().get("timings")
                .convert(new TypeReference<Map<String, Object>>() { }).get("forwards"));

        StringBuilder text = new StringBuilder();
        List<Integer> streamedIds = new ArrayList<>();
        int pieces = 0;
        String finish = null;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            for (ChatCompletionChunk chunk : stream.stream().toList()) {
                if (chunk.choices().isEmpty()) {
                    continue;
                }
                ChatCompletionChunk.Choice ch = chunk.choices().getFirst();
                text.append(ch.delta().content().orElse(""));
                if (ch._allProperties().containsKey("token_ids")) {
                    streamedIds.addAll(ids(ch._allProperties()));
                    pieces++;
                }
                if (ch.finishReason().isPresent()) {
                    finish = ch.finishReason().get().asString();
                    assertTrue(chunk.usage().isPresent(), "usage in the last chunk");
                }
            }
        }
        assertEquals(want.get("text").asText(), text.toString());
        assertEquals(ids(want.get("generated_ids")), streamedIds);
        assertEquals(choice.finishReason().asString(), finish);
        assertEquals(blocksSpanned(want.get("prompt_length").asInt(), streamedIds.size(), 32), pieces,
                "one chunk per finished block");
    }

    @Test
    void jointDecodingThroughTheExtensionFields() {
        String user = "Hello there";
        JsonNode want = generate("--prompt", user, "--gen-length", "40", "--decoding", "joint", "--threshold", "0.7",
                "--block-length", "16");
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("demo").addUserMessage(user)
                .maxCompletionTokens(40).temperature(0)
                .putAdditionalBodyProperty("decoding", JsonValue.from("joint"))
                .putAdditionalBodyProperty("threshold", JsonValue.from(0.7))
                .putAdditionalBodyProperty("block_length", JsonValue.from(16)).build();
        ChatCompletion c = client.chat().completions().create(params);
        assertEquals(want.get("text").asText(), c.choices().getFirst().message().content().orElseThrow());
        assertEquals(ids(want.get("generated_ids")), ids(c.choices().getFirst()._allProperties()));
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            String streamed = stream.stream().filter(ch -> !ch.choices().isEmpty())
                    .map(ch -> ch.choices().getFirst().delta().content().orElse("")).collect(Collectors.joining());
            assertEquals(want.get("text").asText(), streamed);
        }
    }

    @Test
    void completionOfTextAndOfTokenIdsEqualsGenerate() {
        String prompt = "The model reads a prompt and";
        JsonNode want = generate("--raw", "--prompt", prompt, "--gen-length", "40");
        CompletionCreateParams params = CompletionCreateParams.builder().model("demo")
                .prompt(CompletionCreateParams.Prompt.ofString(prompt)).maxTokens(40).temperature(0).build();
        Completion c = client.completions().create(params);
        assertEquals(want.get("text").asText(), c.choices().getFirst().text());
        assertEquals(ids(want.get("generated_ids")), ids(c.choices().getFirst()._allProperties()));
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
            String streamed = stream.stream().filter(ch -> !ch.choices().isEmpty())
                    .map(ch -> ch.choices().getFirst().text()).collect(Collectors.joining());
            assertEquals(want.get("text").asText(), streamed);
        }

        List<Long> promptIds = List.of(84L, 104L, 101L, 32L, 109L, 111L, 100L, 101L, 108L);
        JsonNode wantIds = generate("--prompt-ids", promptIds.stream().map(String::valueOf)
                .collect(Collectors.joining(",")), "--gen-length", "24");
        Completion byIds = client.completions().create(CompletionCreateParams.builder().model("demo")
                .prompt(CompletionCreateParams.Prompt.ofArrayOfTokens(promptIds)).maxTokens(24).build());
        assertEquals(ids(wantIds.get("generated_ids")), ids(byIds.choices().getFirst()._allProperties()));
        assertEquals(promptIds.size(), byIds.usage().orElseThrow().promptTokens());
    }

    @Test
    void stopSequenceEndsTheTextBeforeIt() {
        String user = "Tell me about the city.";
        JsonNode want = generate("--prompt", user, "--gen-length", "64");
        String full = want.get("text").asText();
        assertTrue(full.length() > 30, "the demo answer is long enough to cut: " + full);
        String stop = full.substring(20, 26);
        String expected = full.substring(0, full.indexOf(stop));
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("demo").addUserMessage(user)
                .maxCompletionTokens(64).temperature(0).stop(stop).build();
        ChatCompletion c = client.chat().completions().create(params);
        assertEquals(expected, c.choices().getFirst().message().content().orElseThrow());
        assertEquals("stop", c.choices().getFirst().finishReason().asString());
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            String streamed = stream.stream().filter(ch -> !ch.choices().isEmpty())
                    .map(ch -> ch.choices().getFirst().delta().content().orElse("")).collect(Collectors.joining());
            assertEquals(expected, streamed);
        }
    }

    @Test
    void modelsListsTheServedModel() {
        List<Model> models = client.models().list().data();
        assertEquals(List.of("demo"), models.stream().map(Model::id).toList());
        assertFalse(server.log().contains("Exception"), server.log());
    }

    /** {@code llada2 generate ... --output json} on the demo model, the CPU engine. */
    static JsonNode generate(String... args) {
        List<String> all = new ArrayList<>(List.of("generate", "--model", demo.toString(), "--backend", "cpu",
                "--output", "json", "--quiet"));
        all.addAll(List.of(args));
        Cli r = Cli.run(all.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.toString());
        try {
            return Http.JSON.readTree(r.out());
        } catch (Exception e) {
            throw new AssertionError(r.toString(), e);
        }
    }

    /** How many blocks of {@code blockLength}, tiled from position 0, the answer's positions touch. */
    static int blocksSpanned(int promptLength, int answerLength, int blockLength) {
        return (promptLength + answerLength - 1) / blockLength - promptLength / blockLength + 1;
    }

    static List<Integer> ids(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asInt()));
        return out;
    }

    static List<Integer> ids(Map<String, JsonValue> properties) {
        return properties.get("token_ids").convert(new TypeReference<List<Integer>>() { });
    }
}
