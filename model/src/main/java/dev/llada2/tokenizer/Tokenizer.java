package dev.llada2.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.llada2.errors.LladaException;
import dev.llada2.io.IoErrors;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} for byte-level BPE models (Qwen, Llama 3, Ling 2.0 /
 * LLaDA2.0 ...), in pure Java, giving the ids and text of the reference Rust {@code tokenizers}
 * library.
 *
 * <p>Encoding, step by step (each step is the tokenizer.json component of that name):
 * <ol>
 *   <li>{@code added_tokens} are cut out of the raw text, leftmost then longest
 *       ({@link AddedTokens}); each becomes its id;</li>
 *   <li>the text between them is normalized ({@link Normalizer}) and pre-tokenized into pieces
 *       ({@link PreTokenizer});</li>
 *   <li>the {@code model} turns each piece into ids ({@link BpeModel});</li>
 *   <li>with {@code addSpecialTokens}, the {@code post_processor} adds its special tokens
 *       ({@link PostProcessor}).</li>
 * </ol>
 * Decoding maps ids to token strings (added tokens first, then the vocab; unknown ids are skipped)
 * and runs the {@code decoder} ({@link Decoder}). No clean-up of tokenization spaces is applied.
 * {@code truncation} and {@code padding} are batch options of the reference's encode and are not
 * applied. A component this class does not implement (a WordPiece or Unigram model, an unknown
 * normalizer type ...) is refused at load time with a {@link LladaException} naming the file, the
 * JSON path and the supported types.
 *
 * <p>Instances are immutable apart from an internal merge cache and are safe to share between threads.
 */
public final class Tokenizer {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Path source;
    private final AddedTokens addedTokens;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final BpeModel model;
    private final PostProcessor postProcessor;
    /** Null when the file has no decoder: tokens are then joined with spaces, as in the reference. */
    private final Decoder decoder;

    private Tokenizer(Path source, AddedTokens addedTokens, Normalizer normalizer, PreTokenizer preTokenizer,
                      BpeModel model, PostProcessor postProcessor, Decoder decoder) {
        this.source = source;
        this.addedTokens = addedTokens;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.postProcessor = postProcessor;
        this.decoder = decoder;
    }

    /**
     * Loads a {@code tokenizer.json}, or the {@code tokenizer.json} inside a model directory.
     *
     * @throws LladaException (input) when the file is missing, unreadable, not JSON, malformed, or
     *                        uses a component this implementation does not support
     */
    public static Tokenizer load(Path tokenizerJsonOrModelDir) {
        Path file = (Files.isDirectory(tokenizerJsonOrModelDir)
                ? tokenizerJsonOrModelDir.resolve("tokenizer.json") : tokenizerJsonOrModelDir).toAbsolutePath();
        JsonNode root;
        try (InputStream in = Files.newInputStream(file)) {
            root = JSON.readTree(in);
        } catch (NoSuchFileException e) {
            throw LladaException.input(file + ": not found (expected a Hugging Face tokenizer.json, or a model"
                    + " directory that contains one)");
        } catch (JacksonException e) {
            throw LladaException.input(file + ": not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")"), e);
        } catch (IOException e) {
            throw LladaException.input(file + ": cannot read: " + IoErrors.reason(file, e), e);
        }
        return fromJson(file, root);
    }

    /**
     * A tokenizer from the parsed content of a {@code tokenizer.json}; {@code source} names where it
     * came from in messages (for one built from a GGUF file's metadata, that file).
     */
    public static Tokenizer fromJson(Path source, JsonNode root) {
        Path file = source;
        if (root == null || !root.isObject()) {
            throw LladaException.input(file + ": expected a JSON object at the top level (a tokenizer.json)");
        }
        Json json = Json.root(file, root);
        if (json.get("model").isAbsent()) {
            throw json.get("model").error("missing: a tokenizer.json has a \"model\" object (here a BPE model)");
        }
        Normalizer normalizer = Normalizer.parse(json.get("normalizer"));
        Json decoder = json.get("decoder");
        return new Tokenizer(file, AddedTokens.parse(json.get("added_tokens"), normalizer), normalizer,
                PreTokenizer.parse(json.get("pre_tokenizer")), BpeModel.parse(json.get("model")),
                PostProcessor.parse(json.get("post_processor")), decoder.isAbsent() ? null : Decoder.parse(decoder));
    }

    /**
     * The ids of {@code text}. Added tokens written in the text (e.g. {@code <|role_end|>}) are
     * recognised as such, special or not.
     *
     * @param addSpecialTokens apply the post-processor (e.g. a template that puts a BOS token first)
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        Objects.requireNonNull(text, "text");
        IntList ids = new IntList(text.length() / 3 + 4);
        for (AddedTokens.Segment segment : addedTokens.split(text, normalizer)) {
            if (segment.isToken()) {
                ids.add(segment.id());
            } else {
                for (String piece : preTokenizer.apply(segment.text())) {
                    model.encode(piece, ids);
                }
            }
        }
        int[] out = ids.toArray();
        return addSpecialTokens ? postProcessor.apply(out, null) : out;
    }

    /**
     * The pieces the model encodes one by one: each added token as matched, and the pre-tokenizer's
     * output for the normalized text between them (in the byte-level alphabet when the
     * pre-tokenizer is byte-level). For tests and diagnostics.
     */
    List<String> preTokenize(String text) {
        List<String> out = new ArrayList<>();
        for (AddedTokens.Segment segment : addedTokens.split(text, normalizer)) {
            if (segment.isToken()) {
                out.add(segment.text());
            } else {
                out.addAll(preTokenizer.apply(segment.text()));
            }
        }
        return out;
    }

    /**
     * The text of {@code ids}. Ids that are neither added tokens nor in the vocab are skipped.
     *
     * @param skipSpecialTokens leave out special added tokens ({@link #isSpecial}); non-special added
     *                          tokens stay. They are left out before the decoder runs, so bytes on
     *                          either side of one join up.
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            String token = token(id);
            if (token != null && !(skipSpecialTokens && isSpecialContent(token))) {
                tokens.add(token);
            }
        }
        return decoder == null ? String.join(" ", tokens) : String.join("", decoder.decodeChain(tokens));
    }

    /** The id of an added token or vocab entry, given its exact content (e.g. {@code "<|mask|>"}). */
    public OptionalInt idOf(String tokenContent) {
        AddedTokens.AddedToken added = addedTokens.byContent(tokenContent);
        if (added != null) {
            return OptionalInt.of(added.id());
        }
        int id = model.idOf(tokenContent);
        return id >= 0 ? OptionalInt.of(id) : OptionalInt.empty();
    }

    /** The content of the added token or vocab entry with this id (vocab entries in the byte-level alphabet). */
    public Optional<String> tokenOf(int id) {
        return Optional.ofNullable(token(id));
    }

    /**
     * Whether this id is a special added token, i.e. one that {@code decode(ids, true)} leaves out.
     * As in the reference this goes by content: a vocab entry spelled like a special token counts too.
     */
    public boolean isSpecial(int id) {
        String token = token(id);
        return token != null && isSpecialContent(token);
    }

    /** Largest id in use (vocab or added token) + 1. */
    public int size() {
        return Math.max(model.idLimit(), addedTokens.idLimit());
    }

    /** The tokenizer.json this was loaded from (absolute). */
    public Path source() {
        return source;
    }

    @Override
    public String toString() {
        return "Tokenizer[" + source + ", " + size() + " ids]";
    }

    private String token(int id) {
        AddedTokens.AddedToken added = addedTokens.byId(id);
        return added != null ? added.content() : model.tokenOf(id);
    }

    private boolean isSpecialContent(String token) {
        AddedTokens.AddedToken added = addedTokens.byContent(token);
        return added != null && added.special();
    }
}
