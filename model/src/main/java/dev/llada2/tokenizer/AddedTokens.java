package dev.llada2.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code added_tokens} of a tokenizer.json, and their extraction from input text before
 * anything else happens to it.
 *
 * <p>Extraction, as in the reference:
 * <ol>
 *   <li>tokens with {@code normalized: false} are found in the raw input;</li>
 *   <li>each stretch of text between them is normalized on its own, and tokens with
 *       {@code normalized: true} are found in the normalized stretch, their own content normalized
 *       by the same normalizer (so with a Lowercase normalizer {@code [DAY]} matches {@code [Day]}).</li>
 * </ol>
 * Matching is leftmost, then longest: the earliest position where some token starts wins, and
 * there the longest token; the search resumes after it. Per-token flags:
 * {@code single_word} rejects a match with a word character ({@code \w}) right before or after it
 * (the search still resumes after the rejected match); {@code lstrip} / {@code rstrip} widen the
 * match over the White_Space before / after it, so those spaces belong to the token and are not
 * encoded; a match that would start inside spaces an earlier {@code rstrip} took is dropped.
 * {@code special} only matters for decoding with {@code skipSpecialTokens}.
 */
final class AddedTokens {

    /** One entry of {@code added_tokens}. */
    record AddedToken(int id, String content, boolean special, boolean normalized,
                      boolean lstrip, boolean rstrip, boolean singleWord) {
    }

    /** A part of the input: an added token ({@code id >= 0}, text as matched) or text to encode ({@code id == -1}). */
    record Segment(String text, int id) {
        boolean isToken() {
            return id >= 0;
        }
    }

    private final Map<String, AddedToken> byContent = new HashMap<>();
    private final Map<Integer, AddedToken> byId = new HashMap<>();
    private final Trie rawTrie;
    private final Trie normalizedTrie;

    AddedTokens(List<AddedToken> tokens, Normalizer normalizer) {
        Map<String, AddedToken> raw = new HashMap<>();
        Map<String, AddedToken> normalized = new HashMap<>();
        for (AddedToken token : tokens) {
            byContent.put(token.content(), token);
            byId.put(token.id(), token);
            if (token.normalized()) {
                String pattern = normalizer.normalize(token.content());
                if (!pattern.isEmpty()) {  // a token the normalizer erases can never be found
                    normalized.put(pattern, token);
                }
            } else {
                raw.put(token.content(), token);
            }
        }
        rawTrie = new Trie(raw);
        normalizedTrie = new Trie(normalized);
    }

    AddedToken byContent(String content) {
        return byContent.get(content);
    }

    AddedToken byId(int id) {
        return byId.get(id);
    }

    /** Largest added-token id + 1 (0 when there are none). */
    int idLimit() {
        return byId.keySet().stream().mapToInt(id -> id + 1).max().orElse(0);
    }

    /** Splits input into added tokens and normalized text, in order; no text segment is empty. */
    List<Segment> split(String input, Normalizer normalizer) {
        List<Segment> out = new ArrayList<>();
        for (Segment segment : extract(input, rawTrie)) {
            if (segment.isToken()) {
                out.add(segment);
            } else {
                out.addAll(extract(normalizer.normalize(segment.text()), normalizedTrie));
            }
        }
        return out;
    }

    private static List<Segment> extract(String text, Trie trie) {
        List<Segment> out = new ArrayList<>(1);
        int done = 0;      // text before this index has been emitted
        int searchFrom = 0;
        while (true) {
            Trie.Match m = trie.find(text, searchFrom);
            if (m == null) {
                break;
            }
            searchFrom = m.end();
            AddedToken token = m.token();
            int start = m.start();
            int end = m.end();
            if (start < done || token.singleWord() && !standsAlone(text, start, end)) {
                continue;
            }
            if (token.lstrip()) {
                while (start > done && CharClasses.isWhiteSpace(text.codePointBefore(start))) {
                    start -= Character.charCount(text.codePointBefore(start));
                }
            }
            if (token.rstrip()) {
                while (end < text.length() && CharClasses.isWhiteSpace(text.codePointAt(end))) {
                    end += Character.charCount(text.codePointAt(end));
                }
            }
            if (start > done) {
                out.add(new Segment(text.substring(done, start), -1));
            }
            out.add(new Segment(text.substring(start, end), token.id()));
            done = end;
        }
        if (done < text.length()) {
            out.add(new Segment(text.substring(done), -1));
        }
        return out;
    }

    private static boolean standsAlone(String text, int start, int end) {
        return (start == 0 || !CharClasses.isWordCharacter(text.codePointBefore(start)))
                && (end == text.length() || !CharClasses.isWordCharacter(text.codePointAt(end)));
    }

    /** Reads {@code added_tokens} (absent or null means none). */
    static AddedTokens parse(Json json, Normalizer normalizer) {
        List<AddedToken> tokens = new ArrayList<>();
        Map<Integer, String> ids = new HashMap<>();
        Map<String, Integer> contents = new HashMap<>();
        for (Json entry : json.isAbsent() ? List.<Json>of() : json.elements()) {
            entry.requireObject();
            int id = entry.integer("id");
            String content = entry.string("content");
            if (content.isEmpty()) {
                throw entry.get("content").error("an added token's content must not be empty");
            }
            if (ids.containsKey(id)) {
                throw entry.get("id").error("id " + id + " is already used by the added token \"" + ids.get(id) + "\"");
            }
            if (contents.containsKey(content)) {
                throw entry.get("content").error("\"" + content + "\" is already an added token (id "
                        + contents.get(content) + ")");
            }
            ids.put(id, content);
            contents.put(content, id);
            boolean special = entry.bool("special", false);
            // The reference's default: special tokens match the raw text, others the normalized text.
            tokens.add(new AddedToken(id, content, special, entry.bool("normalized", !special),
                    entry.bool("lstrip", false), entry.bool("rstrip", false), entry.bool("single_word", false)));
        }
        return new AddedTokens(tokens, normalizer);
    }

    /** A character trie over token contents with a leftmost-longest search. */
    private static final class Trie {

        record Match(int start, int end, AddedToken token) {
        }

        private final Node root;
        /** First characters of all contents: most text positions are rejected with one bit test. */
        private final BitSet firstChars = new BitSet();

        Trie(Map<String, AddedToken> contents) {
            Builder rootBuilder = new Builder();
            contents.forEach((content, token) -> {
                Builder b = rootBuilder;
                for (int i = 0; i < content.length(); i++) {
                    b = b.children.computeIfAbsent(content.charAt(i), c -> new Builder());
                }
                b.token = token;
                firstChars.set(content.charAt(0));
            });
            root = rootBuilder.build();
        }

        /** The leftmost-longest match starting at or after {@code from}, or null. */
        Match find(String text, int from) {
            for (int i = from; i < text.length(); i++) {
                if (!firstChars.get(text.charAt(i))) {
                    continue;
                }
                Node node = root;
                AddedToken best = null;
                int bestEnd = -1;
                for (int j = i; j < text.length() && (node = node.child(text.charAt(j))) != null; j++) {
                    if (node.token != null) {
                        best = node.token;
                        bestEnd = j + 1;
                    }
                }
                if (best != null) {
                    return new Match(i, bestEnd, best);
                }
            }
            return null;
        }

        private static final class Builder {
            final TreeMap<Character, Builder> children = new TreeMap<>();
            AddedToken token;

            Node build() {
                char[] keys = new char[children.size()];
                Node[] nodes = new Node[children.size()];
                int k = 0;
                for (Map.Entry<Character, Builder> e : children.entrySet()) {
                    keys[k] = e.getKey();
                    nodes[k++] = e.getValue().build();
                }
                return new Node(keys, nodes, token);
            }
        }

        /** An immutable trie node; children sorted by character for binary search. */
        private record Node(char[] keys, Node[] children, AddedToken token) {
            Node child(char c) {
                int k = Arrays.binarySearch(keys, c);
                return k >= 0 ? children[k] : null;
            }
        }
    }
}
