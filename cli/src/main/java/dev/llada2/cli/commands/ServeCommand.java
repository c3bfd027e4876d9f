package dev.llada2.cli.commands;

import dev.llada2.cli.options.DecodeOptionsMixin;
import dev.llada2.cli.options.EngineOptions;
import dev.llada2.cli.options.ModelOptions;
import dev.llada2.cli.options.TokenizerOptions;
import dev.llada2.cli.serve.LladaServer;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.TokenIds;
import dev.llada2.runtime.Engine;
import dev.llada2.tokenizer.Tokenizer;
import dev.llada2.weights.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;

/** {@code llada2 serve}: the OpenAI-compatible HTTP server. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serves the model over an OpenAI-compatible HTTP API: POST /v1/chat/completions and"
                + " /v1/completions (streaming with stream:true, one chunk per finished block), GET /v1/models,"
                + " /health and /metrics (Prometheus). One generation at a time, the others queued in arrival"
                + " order. The decoding flags are the defaults of every request; requests override them"
                + " (README: Serving).",
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 serve --model ~/models/LLaDA2.0-mini",
                "  llada2 serve --model ~/models/LLaDA2.0-flash --profile gpu4x80-flash --port 9000",
                "  LLADA2_API_KEY=secret llada2 serve --model DIR --host 0.0.0.0 --max-queue 64 --request-timeout 600",
                "  curl http://127.0.0.1:8080/v1/chat/completions -H 'Content-Type: application/json' \\",
                "       -d '{\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}], \"max_tokens\": 64}'"})
public final class ServeCommand extends LladaCommand {

    @Mixin
    ModelOptions model;

    @Mixin
    TokenizerOptions tokenizerOptions;

    @Mixin
    EngineOptions engineOptions;

    @Mixin
    DecodeOptionsMixin decode;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every"
                    + " interface: set --api-key then).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}; 0: any free"
            + " port, printed at start).")
    int port;

    @Option(names = "--max-queue", defaultValue = "16", description = "Requests that may wait while one generates;"
            + " more are refused with 429 (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--request-timeout", defaultValue = "0", paramLabel = "SECONDS",
            description = "Longest time a request may take, queueing included; past it the generation stops and the"
                    + " client gets 504 (default: ${DEFAULT-VALUE} = no limit).")
    long requestTimeout;

    @Option(names = "--api-key", defaultValue = "${env:LLADA2_API_KEY}", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on every endpoint but /health (default: the"
                    + " LLADA2_API_KEY environment variable, which keeps the key out of the process list; none"
                    + " if unset).")
    String apiKey;

    @Option(names = "--max-body-bytes", defaultValue = "4194304", paramLabel = "BYTES",
            description = "Largest request body accepted; larger ones get 413 (default: ${DEFAULT-VALUE}).")
    int maxBodyBytes;

    @Option(names = "--served-model-name", paramLabel = "NAME",
            description = "The model's id in the API (default: the model directory's name, or the .gguf file's"
                    + " without the extension).")
    String servedModelName;

    @Option(names = {"-q", "--quiet"}, description = "No line per request on stderr.")
    boolean quiet;

    @Override
    public Integer call() {
        if (port < 0 || port > 65535) {
            throw usage("--port must be in [0, 65535], got " + port);
        }
        if (maxQueue < 0) {
            throw usage("--max-queue must be >= 0, got " + maxQueue);
        }
        if (requestTimeout < 0) {
            throw usage("--request-timeout must be >= 0 seconds (0 = no limit), got " + requestTimeout);
        }
        if (maxBodyBytes < 1024) {
            throw usage("--max-body-bytes must be at least 1024, got " + maxBodyBytes);
        }
        if (apiKey != null && apiKey.isBlank()) {
            apiKey = null;
        }
        PrintWriter log = err();
        Optional<Tokenizer> tokenizer = tokenizerOptions.find(model.dir);
        engineOptions.validate();
        try (LoadedModel m = model.open(log, false); Engine engine = engineOptions.create(m, log, false,
                () -> decode.toOptions(TokenIds.resolve(m.config(), name -> OptionalInt.empty()), m.config().vocabSize()))) {
            TokenIds ids = TokenIds.resolve(m.config(), name -> tokenizer.map(t -> t.idOf(name)).orElse(OptionalInt.empty()));
            DecodeOptions defaults = decode.toOptions(ids, m.config().vocabSize());
            String name = servedModelName != null ? servedModelName : m.dir().toAbsolutePath().normalize()
                    .getFileName().toString().replaceFirst("\\.gguf$", "");
            LladaServer server = LladaServer.start(new LladaServer.Settings(host, port, maxQueue, requestTimeout,
                    apiKey, maxBodyBytes, name), engine, tokenizer, defaults, decode.maskSource(ids), log, !quiet);
            CountDownLatch stop = new CountDownLatch(1);
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                stop.countDown();
                try {
                    stopped.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "llada2-serve-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            log.println("llada2: serving " + name + " on http://" + hostForUrl() + ":" + server.port()
                    + "/v1 (OpenAI API; /health, /metrics)" + (apiKey != null ? ", API key required" : "")
                    + "; Ctrl-C stops");
            log.flush();
            try {
                stop.await();
            } catch (InterruptedException e) {
                // Interrupting the command's thread stops the server like Ctrl-C does (tests, embedding).
            } finally {
                log.println("llada2: stopping the server");
                server.close();
                stopped.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // Already shutting down: the hook is running and waits for `stopped`.
                }
            }
        }
        return 0;
    }

    private String hostForUrl() {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
