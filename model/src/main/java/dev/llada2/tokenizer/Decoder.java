package dev.llada2.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code decoder} of a tokenizer.json: turns the token strings of a list of ids back into
 * text. Like the reference, each decoder maps a list of strings to a new list, and the final list
 * is concatenated. Supported types: {@code ByteLevel}, {@code ByteFallback}, {@code Fuse},
 * {@code Strip}, {@code Replace}, {@code Sequence}. (JSON {@code null}, no decoder, is handled by
 * {@link Tokenizer#decode}: the reference then joins the tokens with spaces.)
 */
sealed interface Decoder {

    List<String> decodeChain(List<String> tokens);

    /**
     * All tokens' bytes ({@link ByteLevelAlphabet#appendBytes}) joined, then decoded as UTF-8 with
     * one U+FFFD per maximal ill-formed subpart ({@link Utf8Repair}): a character split over two
     * tokens comes out whole.
     */
    record ByteLevel() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String token : tokens) {
                ByteLevelAlphabet.appendBytes(token, bytes);
            }
            return List.of(Utf8Repair.decode(bytes.toByteArray(), bytes.size()));
        }
    }

    /**
     * Runs of {@code <0xXX>} tokens become the text of their bytes when those are valid UTF-8, and
     * one U+FFFD per byte otherwise (the reference's rule, stricter than {@link Utf8Repair}).
     */
    record ByteFallback() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            ByteArrayOutputStream run = new ByteArrayOutputStream();
            for (String token : tokens) {
                int b = byteToken(token);
                if (b >= 0) {
                    run.write(b);
                } else {
                    flush(run, out);
                    out.add(token);
                }
            }
            flush(run, out);
            return out;
        }

        private static int byteToken(String token) {
            if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') {
                return -1;
            }
            int hi = Character.digit(token.charAt(3), 16);
            int lo = Character.digit(token.charAt(4), 16);
            return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
        }

        private static void flush(ByteArrayOutputStream run, List<String> out) {
            if (run.size() == 0) {
                return;
            }
            try {
                // A REPORT-mode decoder rejects overlong forms, surrogates and truncation alike.
                out.add(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(run.toByteArray())).toString());
            } catch (CharacterCodingException e) {
                out.add("\uFFFD".repeat(run.size()));
            }
            run.reset();
        }
    }

    /** Joins all tokens into one. */
    record Fuse() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters from each token. */
    record Strip(int content, int start, int stop) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String token : tokens) {
                int[] cps = token.codePoints().toArray();
                int from = 0;
                while (from < start && from < cps.length && cps[from] == content) {
                    from++;
                }
                int to = cps.length;
                while (cps.length - to < stop && to > from && cps[to - 1] == content) {
                    to--;
                }
                out.add(new String(cps, from, to - from));
            }
            return out;
        }
    }

    /** Replaces every match of a pattern by {@code content} in each token. */
    record Replace(Pattern pattern, String content) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            String replacement = Matcher.quoteReplacement(content);
            return tokens.stream().map(t -> pattern.matcher(t).replaceAll(replacement)).toList();
        }
    }

    record Sequence(List<Decoder> decoders) implements Decoder {

        public Sequence {
            decoders = List.copyOf(decoders);
        }

        @Override
        public List<String> decodeChain(List<String> tokens) {
            for (Decoder d : decoders) {
                tokens = d.decodeChain(tokens);
            }
            return tokens;
        }
    }

    /** Reads a {@code decoder} object; the caller handles null. */
    static Decoder parse(Json json) {
        String type = json.type();
        return switch (type) {
            case "ByteLevel" -> new ByteLevel();
            case "ByteFallback" -> new ByteFallback();
            case "Fuse" -> new Fuse();
            case "Strip" -> {
                String content = json.string("content");
                if (content.codePointCount(0, content.length()) != 1) {
                    throw json.get("content").error("expected one character, found \"" + content + "\"");
                }
                yield new Strip(content.codePointAt(0), json.integer("start"), json.integer("stop"));
            }
            case "Replace" -> new Replace(SplitPattern.Regex.parse(json.get("pattern")).pattern(), json.string("content"));
            case "Sequence" -> new Sequence(json.elements("decoders").stream().map(Decoder::parse).toList());
            default -> throw json.get("type").unsupported("decoder", type,
                    "ByteLevel, ByteFallback, Fuse, Strip, Replace, Sequence");
        };
    }
}
