package dev.llada2.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every case of the four golden tokenizers of {@code ../shared/tokenizers}: ids produced by the
 * Hugging Face Rust {@code tokenizers} library for 350 stress strings (encode with and without
 * special tokens, token strings, pre-tokens, decode) and the decode-only cases (ill-formed UTF-8,
 * special tokens between bytes, unknown ids ...). Each test reports how many cases pass.
 */
class TokenizerGoldenTest {

    private static final List<String> TOKENIZERS = GoldenCases.TOKENIZERS;

    @ParameterizedTest
    @FieldSource("TOKENIZERS")
    void encodeWithoutSpecialTokens(String name) {
        GoldenCases g = GoldenCases.of(name);
        assertEquals(GoldenCases.CASE_COUNT, g.cases().size(), name + ": number of cases");
        check(g, "encode(text, false) = ids", g.cases(), c -> {
            int[] ids = g.tokenizer().encode(c.text(), false);
            return Arrays.equals(ids, c.ids()) ? null : c.id() + ": expected " + Arrays.toString(c.ids())
                    + " got " + Arrays.toString(ids);
        });
    }

    @ParameterizedTest
    @FieldSource("TOKENIZERS")
    void tokenStringsOfIds(String name) {
        GoldenCases g = GoldenCases.of(name);
        check(g, "tokenOf(ids) = tokens", g.cases(), c -> {
            List<String> tokens = Arrays.stream(c.ids()).mapToObj(id -> g.tokenizer().tokenOf(id).orElse("<none>")).toList();
            return tokens.equals(c.tokens()) ? null : c.id() + ": expected " + c.tokens() + " got " + tokens;
        });
    }

    @ParameterizedTest
    @FieldSource("TOKENIZERS")
    void encodeWithSpecialTokens(String name) {
        GoldenCases g = GoldenCases.of(name);
        check(g, "encode(text, true) = ids_default", g.cases(), c -> {
            int[] ids = g.tokenizer().encode(c.text(), true);
            return Arrays.equals(ids, c.idsDefault()) ? null : c.id() + ": expected " + Arrays.toString(c.idsDefault())
                    + " got " + Arrays.toString(ids);
        });
    }

    @ParameterizedTest
    @FieldSource("TOKENIZERS")
    void preTokens(String name) {
        GoldenCases g = GoldenCases.of(name);
        check(g, "preTokenize(text) = pretokens", g.cases(), c -> {
            List<String> pieces = g.tokenizer().preTokenize(c.text());
            return pieces.equals(c.pretokens()) ? null : c.id() + ": expected " + c.pretokens() + " got " + pieces;
        });
    }

    @ParameterizedTest
    @FieldSource("TOKENIZERS")
    void decodeOfDefaultIds(String name) {
        GoldenCases g = GoldenCases.of(name);
        check(g, "decode(ids_default, false) = decoded", g.cases(), c -> {
            String text = g.tokenizer().decode(c.idsDefault(), false);
            return text.equals(c.decoded()) ? null : c.id() + ": expected " + quote(c.decoded()) + " got " + quote(text);
        });
        check(g, "decode(ids_default, true) = decoded_skip_special", g.cases(), c -> {
            String text = g.tokenizer().decode(c.idsDefault(), true);
            return text.equals(c.decodedSkipSpecial()) ? null
                    : c.id() + ": expected " + quote(c.decodedSkipSpecial()) + " got " + quote(text);
        });
    }

    @ParameterizedTest
    @FieldSource("TOKENIZERS")
    void decodeCases(String name) {
        GoldenCases g = GoldenCases.of(name);
        assertTrue(g.decodeCases().size() > 250, name + ": expected the decode_cases of the README, found "
                + g.decodeCases().size());
        check(g, "decode_cases", g.decodeCases(), c -> {
            String plain = g.tokenizer().decode(c.ids(), false);
            String skip = g.tokenizer().decode(c.ids(), true);
            return plain.equals(c.decoded()) && skip.equals(c.decodedSkipSpecial()) ? null
                    : c.note() + ": expected " + quote(c.decoded()) + " / " + quote(c.decodedSkipSpecial())
                    + " got " + quote(plain) + " / " + quote(skip);
        });
    }

    @Test
    void concurrentEncodingGivesTheSameIds() {
        GoldenCases g = GoldenCases.of("qwen3-bailing-regex");
        List<String> failures = g.cases().parallelStream()
                .flatMap(c -> java.util.stream.IntStream.range(0, 4).mapToObj(k -> c))
                .filter(c -> !Arrays.equals(g.tokenizer().encode(c.text(), false), c.ids()))
                .map(GoldenCases.Case::id).toList();
        assertTrue(failures.isEmpty(), "differ when encoded from several threads: " + failures);
    }

    @Test
    void allFourTokenizersArePresent() {
        for (String name : TOKENIZERS) {
            assertEquals(GoldenCases.CASE_COUNT, GoldenCases.of(name).cases().size(), name);
        }
    }

    /** Runs {@code failure} on every case (null = pass) and fails with the pass count and the first failures. */
    private static <T> void check(GoldenCases g, String what, List<T> cases, Function<T, String> failure) {
        List<String> failures = new ArrayList<>();
        for (T c : cases) {
            String f = failure.apply(c);
            if (f != null) {
                failures.add(f);
            }
        }
        assertTrue(failures.isEmpty(), () -> g.name() + ": " + what + ": " + (cases.size() - failures.size()) + "/"
                + cases.size() + " pass; first failures:\n  " + String.join("\n  ",
                failures.subList(0, Math.min(5, failures.size())).stream()
                        .map(s -> s.length() > 600 ? s.substring(0, 600) + "..." : s).toList()));
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7F || cp == 0xFFFD || (cp >= 0x80 && cp < 0xA0)) {
                out.append(String.format("\\u%04X", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.append('"').toString();
    }
}
