package dev.llada2.perf.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llada2.tokenizer.Tokenizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Encode throughput of the pure-Java tokenizer, single-threaded, on the 350 strings of
 * {@code ../shared/tokenizers/corpus.json} joined with newlines (about 55 KB of UTF-8: English,
 * code, CJK, emoji, long words ...) with the qwen3 tokenizer.json. One operation encodes the whole
 * corpus, so MB/s = ops/s x corpus bytes / 10^6; {@link #main} prints that figure.
 *
 * <ul>
 *   <li>{@code encodeWarm}: the steady state: the merge cache already holds the corpus's words
 *       (the cache is part of the design; repeated words are the common case in real text);</li>
 *   <li>{@code encodeCold}: a freshly loaded tokenizer (empty cache) encoding the corpus once,
 *       averaged over single shots: every word goes through the BPE merge loop.</li>
 * </ul>
 * Run from the repository root (the {@code tokenizers} parameter is a path relative to it; a
 * different location can be given as the first argument):
 * <pre>
 * . scripts/env.sh
 * mvn -q package -DskipTests -pl model,hardware-profiles,perf
 * mvn -q -pl perf dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp perf/target/classes:model/target/classes:$(cat perf/target/cp.txt) dev.llada2.perf.ops.TokenizerBench
 * </pre>
 * {@code model/target/classes} comes first so that the model classes of this checkout are used, not
 * whatever llada2-model jar the local Maven repository holds. {@code org.openjdk.jmh.Main TokenizerBench}
 * with the same class path gives the plain JMH report (ops/s and ms/op).
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Threads(1)
public class TokenizerBench {

    @Param("../shared/tokenizers")
    public String tokenizers;

    private Tokenizer warm;
    private String corpus;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        corpus = corpus(Path.of(tokenizers));
        warm = Tokenizer.load(qwen3(tokenizers));
        warm.encode(corpus, false);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 5, time = 2)
    @Measurement(iterations = 5, time = 2)
    public int[] encodeWarm() {
        return warm.encode(corpus, false);
    }

    /** A new tokenizer per iteration, so each single shot starts with an empty merge cache. */
    @State(Scope.Thread)
    public static class Fresh {
        Tokenizer tokenizer;

        @Setup(Level.Iteration)
        public void load(TokenizerBench bench) {
            tokenizer = Tokenizer.load(qwen3(bench.tokenizers));
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 5)
    @Measurement(iterations = 10)
    public int[] encodeCold(Fresh fresh) {
        return fresh.tokenizer.encode(corpus, false);
    }

    private static Path qwen3(String tokenizers) {
        return Path.of(tokenizers).resolve("qwen3").resolve("tokenizer.json");
    }

    /** The corpus texts joined with "\n". */
    static String corpus(Path tokenizers) throws IOException {
        JsonNode root = new ObjectMapper().readTree(tokenizers.resolve("corpus.json").toFile());
        List<String> texts = new ArrayList<>();
        root.forEach(entry -> texts.add(entry.get("text").asText()));
        return String.join("\n", texts);
    }

    /** Runs both benchmarks and prints the throughput in MB/s (10^6 bytes of UTF-8 per second). */
    public static void main(String[] args) throws RunnerException, IOException {
        String dir = args.length > 0 ? args[0] : "../shared/tokenizers";
        double bytes = corpus(Path.of(dir)).getBytes(StandardCharsets.UTF_8).length;
        for (RunResult result : new Runner(new OptionsBuilder()
                .include(TokenizerBench.class.getName() + "\\.")
                .param("tokenizers", dir)
                .build()).run()) {
            String name = result.getParams().getBenchmark();
            double score = result.getPrimaryResult().getScore();
            double mbPerSecond = name.endsWith("encodeWarm") ? score * bytes / 1e6 : bytes / (score / 1e3) / 1e6;
            System.out.printf("%s: %.2f MB/s (%s %.3f %s; corpus %.0f bytes)%n", name.substring(name.lastIndexOf('.') + 1),
                    mbPerSecond, result.getPrimaryResult().getLabel(), score, result.getPrimaryResult().getScoreUnit(), bytes);
        }
    }
}
