package dev.llada2.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.cli.options.TokenizerSourceOptions;
import dev.llada2.cli.output.Json;
import dev.llada2.errors.LladaException;
import dev.llada2.io.Utf8Lines;
import dev.llada2.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/** {@code llada2 tokenize}: text to ids, one text or a JSONL batch. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Encodes text with a byte-level BPE tokenizer.json (the model's, or --tokenizer FILE). Batch mode"
                + " reads JSON lines {\"text\": \"...\"} and writes one line {\"ids\": [...], \"decoded\": \"...\"} per input"
                + " (decoded = the decode of those ids, special tokens kept). Post-processor special tokens are added"
                + " (the library default) unless --no-special-tokens.",
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 tokenize --model ~/models/LLaDA2.0-mini --text \"Hello world\"",
                "  llada2 tokenize --tokenizer tokenizer.json --text \"Hello\" --json",
                "  llada2 tokenize --tokenizer tokenizer.json --input texts.jsonl > ids.jsonl"})
public final class TokenizeCommand extends LladaCommand {

    @Mixin
    TokenizerSourceOptions source;

    @Option(names = "--text", paramLabel = "TEXT", description = "The text to encode.")
    String text;

    @Option(names = "--input", paramLabel = "FILE.jsonl", description = "Batch: JSON lines with a \"text\" field.")
    Path input;

    @Option(names = "--json", description = "Print {\"ids\": [...], \"tokens\": [...]} instead of comma-separated ids.")
    boolean json;

    @Option(names = "--no-special-tokens", description = "Encode without the post-processor's special tokens.")
    boolean noSpecialTokens;

    @Override
    public Integer call() {
        if ((text == null) == (input == null)) {
            throw usage("give exactly one of --text and --input");
        }
        Tokenizer tokenizer = source.load("tokenize");
        PrintWriter out = out();
        if (text != null) {
            int[] ids = tokenizer.encode(text, !noSpecialTokens);
            if (json) {
                ObjectNode o = Json.object();
                o.set("ids", Json.ints(ids));
                ArrayNode tokens = o.putArray("tokens");
                for (int id : ids) {
                    tokens.add(tokenizer.tokenOf(id).orElse(""));
                }
                out.println(o);
            } else {
                StringBuilder sb = new StringBuilder();
                for (int id : ids) {
                    sb.append(sb.isEmpty() ? "" : ",").append(id);
                }
                out.println(sb);
            }
            return 0;
        }
        int n = 0;
        for (String line : Utf8Lines.read(input, "--input " + input)) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = Json.MAPPER.readTree(line);
            } catch (IOException e) {
                throw LladaException.input(input + ": line " + n + " is not JSON: " + e.getMessage());
            }
            if (node == null || !node.isObject() || !node.path("text").isTextual()) {
                throw LladaException.input(input + ": line " + n + " must be an object with a string \"text\"");
            }
            int[] ids = tokenizer.encode(node.get("text").asText(), !noSpecialTokens);
            ObjectNode o = Json.object();
            o.set("ids", Json.ints(ids));
            o.put("decoded", tokenizer.decode(ids, false));
            out.println(o);
        }
        return 0;
    }
}
