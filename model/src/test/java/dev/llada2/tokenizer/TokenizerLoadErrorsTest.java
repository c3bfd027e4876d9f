package dev.llada2.tokenizer;

import dev.llada2.errors.LladaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A malformed or unsupported tokenizer.json gives an input error naming the file and the JSON path. */
class TokenizerLoadErrorsTest {

    @TempDir
    Path dir;

    private String error(TokenizerJsonBuilder b) {
        Path file = b.write(dir);
        return error(file);
    }

    private String error(Path file) {
        LladaException e = assertThrows(LladaException.class, () -> Tokenizer.load(file));
        assertEquals(LladaException.Kind.INPUT, e.kind());
        assertTrue(e.getMessage().startsWith(file.toAbsolutePath() + ": "), e.getMessage());
        return e.getMessage().substring(file.toAbsolutePath().toString().length() + 2);
    }

    private static void assertStarts(String expectedStart, String message) {
        assertTrue(message.startsWith(expectedStart), "expected a message starting with\n  " + expectedStart
                + "\nfound\n  " + message);
    }

    @Test
    void missingFileOrDirectoryWithoutTokenizerJson() {
        assertStarts("not found", error(dir.resolve("nope.json")));
        LladaException e = assertThrows(LladaException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json").toAbsolutePath() + ": not found"), e.getMessage());
    }

    @Test
    void notJsonOrNotAnObject() throws Exception {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"model\": {\"type\": \"BPE\",");
        assertStarts("not valid JSON: ", error(file));
        Files.writeString(file, "[1, 2]");
        assertStarts("expected a JSON object at the top level", error(file));
        Files.writeString(file, "{\"a\": 1, \"a\": 2}");
        assertStarts("not valid JSON: Duplicate field 'a'", error(file));
        Files.writeString(file, "{\"version\": \"1.0\"}");
        assertStarts("model: missing", error(file));
    }

    @Test
    void unsupportedComponents() {
        assertStarts("model.type: model type \"WordPiece\" is not supported",
                error(TokenizerJsonBuilder.plain().model("type", "\"WordPiece\"")));
        assertStarts("normalizer.type: normalizer type \"BertNormalizer\" is not supported (supported: NFC,",
                error(TokenizerJsonBuilder.plain().set("normalizer", "{\"type\": \"BertNormalizer\"}")));
        assertStarts("decoder.decoders[1].type: decoder type \"Metaspace\" is not supported",
                error(TokenizerJsonBuilder.plain().set("decoder",
                        "{\"type\": \"Sequence\", \"decoders\": [{\"type\": \"Fuse\"}, {\"type\": \"Metaspace\"}]}")));
        assertStarts("model.dropout: dropout 0.1 is not supported",
                error(TokenizerJsonBuilder.plain().model("dropout", "0.1")));
        assertStarts("normalizer: expected a JSON object, found string \"NFC\"",
                error(TokenizerJsonBuilder.plain().set("normalizer", "\"NFC\"")));
    }

    @Test
    void missingMergesAreAnErrorNotAByteLevelFallback() {
        TokenizerJsonBuilder b = TokenizerJsonBuilder.plain();
        ((com.fasterxml.jackson.databind.node.ObjectNode) b.json().get("model")).remove("merges");
        assertStarts("model.merges: missing: a BPE model needs its merges", error(b));
    }

    @Test
    void malformedModel() {
        assertStarts("model.vocab.b: expected a token id in [0, 16777216), found \"1\"",
                error(TokenizerJsonBuilder.plain().model("vocab", "{\"a\": 0, \"b\": \"1\"}")));
        assertStarts("model.vocab: id 0 is given to two tokens",
                error(TokenizerJsonBuilder.plain().model("vocab", "{\"a\": 0, \"b\": 0}")));
        assertStarts("model.merges[0]: the merge uses or produces \"ab\", which is not in model.vocab",
                error(TokenizerJsonBuilder.plain().token("a").token("b").model("merges", "[\"a b\"]")));
        assertStarts("model.merges[1]: expected a merge \"left right\" with exactly one space, found \"a b c\"",
                error(TokenizerJsonBuilder.plain().token("a").token("b").token("ab").model("merges", "[\"a b\", \"a b c\"]")));
        assertStarts("model.merges[0]: expected a merge as \"left right\" or [\"left\", \"right\"], found 7",
                error(TokenizerJsonBuilder.plain().model("merges", "[7]")));
        assertStarts("model.merges[0][1]: expected a string, found number 2",
                error(TokenizerJsonBuilder.plain().model("merges", "[[\"a\", 2]]")));
        assertStarts("model.unk_token: unk_token \"<unk>\" is not in model.vocab",
                error(TokenizerJsonBuilder.plain().model("unk_token", "\"<unk>\"")));
        assertStarts("model.vocab: expected a JSON object, found null",
                error(TokenizerJsonBuilder.plain().model("vocab", "null")));
    }

    @Test
    void malformedAddedTokens() {
        assertStarts("added_tokens[0].content: expected a string, found nothing (the key is missing)",
                error(TokenizerJsonBuilder.plain().set("added_tokens", "[{\"id\": 5}]")));
        assertStarts("added_tokens[1].id: id 5 is already used by the added token \"<a>\"",
                error(TokenizerJsonBuilder.plain().set("added_tokens",
                        "[{\"id\": 5, \"content\": \"<a>\"}, {\"id\": 5, \"content\": \"<b>\"}]")));
        assertStarts("added_tokens[0].id: expected a non-negative integer, found number -1",
                error(TokenizerJsonBuilder.plain().set("added_tokens", "[{\"id\": -1, \"content\": \"<a>\"}]")));
        assertStarts("added_tokens: expected a JSON array, found object {}",
                error(TokenizerJsonBuilder.plain().set("added_tokens", "{}")));
    }

    @Test
    void invalidRegexInPreTokenizer() {
        assertStarts("pre_tokenizer.pretokenizers[0].pattern.Regex: the regular expression [a-",
                error(TokenizerJsonBuilder.plain().set("pre_tokenizer", "{\"type\": \"Sequence\", \"pretokenizers\": ["
                        + "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"[a-\"}, \"behavior\": \"Isolated\"}]}")));
    }
}
