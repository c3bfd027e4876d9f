package dev.llada2.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code model} of a tokenizer.json of type {@code BPE}: turns one pre-tokenized piece into
 * token ids.
 *
 * <p>A piece starts as one symbol per character (code point), looked up in {@code vocab}; then the
 * adjacent pair with the lowest merge rank (the earliest entry of {@code merges}) is joined, the
 * leftmost first among equal ranks, until no adjacent pair has a merge. Options, named as in the
 * file:
 * <ul>
 *   <li>{@code ignore_merges}: a piece that is itself a vocab entry is that one token (some
 *       entries are unreachable through the merges);</li>
 *   <li>{@code continuing_subword_prefix} / {@code end_of_word_suffix}: added to every character
 *       but the first / to the last character before lookup;</li>
 *   <li>{@code byte_fallback}: a character missing from the vocab becomes the tokens
 *       {@code <0xXX>} of its UTF-8 bytes when all of them exist;</li>
 *   <li>{@code unk_token} (with {@code fuse_unk}): otherwise the character becomes the unknown
 *       token (consecutive ones fused into one); without an unk_token it is dropped, as in the
 *       reference;</li>
 *   <li>{@code dropout} must be null or 0: it is a training-time option that makes encoding random.</li>
 * </ul>
 * Results are cached per piece (pieces under 256 characters, at most {@value #CACHE_CAPACITY}
 * entries; a full cache is emptied, so that a long-running process adapts to new text). The
 * model is safe for concurrent use.
 */
final class BpeModel {

    static final int CACHE_CAPACITY = 100_000;
    private static final int MAX_CACHED_LENGTH = 256;
    /** Ids above this are taken for a corrupt file: the id-to-token table is an array. */
    private static final int MAX_ID = 1 << 24;

    private final Map<String, Integer> vocab;
    private final String[] tokenById;
    /** Id of each one-UTF-16-unit vocab entry, -1 where none: the initial symbols of most pieces. */
    private final int[] charIds;
    private final PairRanks merges;
    private final String continuingSubwordPrefix;
    private final String endOfWordSuffix;
    private final int unkId;
    private final boolean fuseUnk;
    /** Ids of {@code <0x00>} .. {@code <0xFF>} (-1 where missing), or null without byte_fallback. */
    private final int[] byteFallbackIds;
    private final boolean ignoreMerges;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private BpeModel(Map<String, Integer> vocab, String[] tokenById, PairRanks merges, String continuingSubwordPrefix,
                     String endOfWordSuffix, int unkId, boolean fuseUnk, boolean byteFallback, boolean ignoreMerges) {
        this.vocab = vocab;
        this.tokenById = tokenById;
        this.merges = merges;
        this.continuingSubwordPrefix = continuingSubwordPrefix;
        this.endOfWordSuffix = endOfWordSuffix;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        this.charIds = new int[Character.MAX_VALUE + 1];
        Arrays.fill(charIds, -1);
        vocab.forEach((token, id) -> {
            if (token.length() == 1) {
                charIds[token.charAt(0)] = id;
            }
        });
        if (byteFallback) {
            byteFallbackIds = new int[256];
            for (int b = 0; b < 256; b++) {
                byteFallbackIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
            }
        } else {
            byteFallbackIds = null;
        }
    }

    /** The id of a vocab entry, or -1. */
    int idOf(String token) {
        return vocab.getOrDefault(token, -1);
    }

    /** The vocab entry with this id, or null. */
    String tokenOf(int id) {
        return id >= 0 && id < tokenById.length ? tokenById[id] : null;
    }

    /** Largest vocab id + 1. */
    int idLimit() {
        return tokenById.length;
    }

    /** The number of pieces in the merge cache (for tests of its bound). */
    int cachedPieces() {
        return cache.size();
    }

    /** Appends the ids of one pre-tokenized piece. */
    void encode(String piece, IntList out) {
        if (piece.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            Integer whole = vocab.get(piece);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        int[] ids = cache.get(piece);
        if (ids == null) {
            ids = merge(initialSymbols(piece));
            if (piece.length() < MAX_CACHED_LENGTH) {
                if (cache.size() >= CACHE_CAPACITY) {
                    cache.clear();
                }
                cache.put(piece, ids);
            }
        }
        out.addAll(ids);
    }

    /** One symbol per character, with the prefix/suffix, byte-fallback and unknown-token rules. */
    private IntList initialSymbols(String piece) {
        IntList symbols = new IntList(piece.length());
        boolean unkPending = false;
        for (int i = 0; i < piece.length(); ) {
            int cp = piece.codePointAt(i);
            int end = i + Character.charCount(cp);
            boolean first = i == 0;
            boolean last = end == piece.length();
            i = end;
            boolean decorated = (!first && continuingSubwordPrefix != null) || (last && endOfWordSuffix != null);
            String symbol = null;
            int id;
            if (!decorated && cp <= Character.MAX_VALUE) {
                id = charIds[cp];
            } else {
                symbol = (first || continuingSubwordPrefix == null ? "" : continuingSubwordPrefix)
                        + Character.toString(cp) + (last && endOfWordSuffix != null ? endOfWordSuffix : "");
                id = vocab.getOrDefault(symbol, -1);
            }
            if (id >= 0) {
                unkPending = flushUnk(unkPending, symbols);
                symbols.add(id);
                continue;
            }
            if (byteFallbackIds != null) {
                int[] fallback = byteFallback(symbol != null ? symbol : Character.toString(cp));
                if (fallback != null) {
                    unkPending = flushUnk(unkPending, symbols);
                    symbols.addAll(fallback);
                    continue;
                }
            }
            if (unkId >= 0) {
                if (unkPending && !fuseUnk) {
                    symbols.add(unkId);
                }
                unkPending = true;
            }
        }
        flushUnk(unkPending, symbols);
        return symbols;
    }

    private boolean flushUnk(boolean unkPending, IntList symbols) {
        if (unkPending) {
            symbols.add(unkId);
        }
        return false;
    }

    private int[] byteFallback(String symbol) {
        byte[] bytes = symbol.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int k = 0; k < bytes.length; k++) {
            ids[k] = byteFallbackIds[bytes[k] & 0xFF];
            if (ids[k] < 0) {
                return null;
            }
        }
        return ids;
    }

    /**
     * Applies the merges: symbols form a linked list; a min-heap holds candidate merges keyed by
     * (rank, position), so the lowest rank and then the leftmost position is joined first. An
     * entry whose pair changed since it was queued is skipped when popped.
     */
    private int[] merge(IntList initial) {
        int[] ids = initial.toArray();
        int n = ids.length;
        if (n < 2) {
            return ids;
        }
        int[] prev = new int[n];
        int[] next = new int[n];
        LongMinHeap queue = new LongMinHeap(n);
        for (int k = 0; k < n; k++) {
            prev[k] = k - 1;
            next[k] = k + 1 < n ? k + 1 : -1;
            if (k + 1 < n) {
                offer(queue, ids[k], ids[k + 1], k);
            }
        }
        int remaining = n;
        while (!queue.isEmpty()) {
            long top = queue.poll();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            int right = next[pos];
            if (ids[pos] < 0 || right < 0 || merges.rank(ids[pos], ids[right]) != rank) {
                continue;
            }
            ids[pos] = merges.mergedId(rank);
            ids[right] = -1;
            next[pos] = next[right];
            if (next[pos] >= 0) {
                prev[next[pos]] = pos;
            }
            remaining--;
            if (prev[pos] >= 0) {
                offer(queue, ids[prev[pos]], ids[pos], prev[pos]);
            }
            if (next[pos] >= 0) {
                offer(queue, ids[pos], ids[next[pos]], pos);
            }
        }
        int[] out = new int[remaining];
        for (int k = 0, pos = 0; pos >= 0; pos = next[pos]) {
            out[k++] = ids[pos];
        }
        return out;
    }

    private void offer(LongMinHeap queue, int left, int right, int pos) {
        int rank = merges.rank(left, right);
        if (rank >= 0) {
            queue.add((long) rank << 32 | pos);
        }
    }

    /** Reads a {@code model} object; only type {@code BPE} is supported. */
    static BpeModel parse(Json json) {
        json.requireObject();
        String type = json.get("type").isAbsent() ? "BPE" : json.type();
        if (!type.equals("BPE")) {
            throw json.get("type").unsupported("model", type, "BPE; WordPiece, WordLevel and Unigram models are not");
        }
        Json dropout = json.get("dropout");
        if (!dropout.isAbsent() && (!dropout.node().isNumber() || dropout.node().doubleValue() != 0)) {
            throw dropout.error("dropout " + dropout.node() + " is not supported: it randomises encoding and is meant"
                    + " for training; expected null");
        }
        Map<String, Integer> vocab = new HashMap<>();
        String[] tokenById = readVocab(json.get("vocab"), vocab);
        PairRanks merges = readMerges(json.get("merges"), vocab, nonEmpty(json.optionalString("continuing_subword_prefix")));
        int unkId = -1;
        Optional<String> unk = json.optionalString("unk_token");
        if (unk.isPresent()) {
            unkId = vocab.getOrDefault(unk.get(), -1);
            if (unkId < 0) {
                throw json.get("unk_token").error("unk_token \"" + unk.get() + "\" is not in model.vocab");
            }
        }
        return new BpeModel(vocab, tokenById, merges, nonEmpty(json.optionalString("continuing_subword_prefix")),
                nonEmpty(json.optionalString("end_of_word_suffix")), unkId, json.bool("fuse_unk", false),
                json.bool("byte_fallback", false), json.bool("ignore_merges", false));
    }

    private static String nonEmpty(Optional<String> value) {
        return value.filter(s -> !s.isEmpty()).orElse(null);
    }

    private static String[] readVocab(Json json, Map<String, Integer> vocab) {
        json.requireObject();
        int maxId = -1;
        for (Map.Entry<String, JsonNode> entry : json.node().properties()) {
            JsonNode idNode = entry.getValue();
            if (!idNode.isIntegralNumber() || !idNode.canConvertToInt() || idNode.intValue() < 0 || idNode.intValue() >= MAX_ID) {
                throw json.get(entry.getKey()).error("expected a token id in [0, " + MAX_ID + "), found " + idNode);
            }
            vocab.put(entry.getKey(), idNode.intValue());
            maxId = Math.max(maxId, idNode.intValue());
        }
        String[] tokenById = new String[maxId + 1];
        for (Map.Entry<String, Integer> entry : vocab.entrySet()) {
            String other = tokenById[entry.getValue()];
            if (other != null) {
                throw json.error("id " + entry.getValue() + " is given to two tokens, \"" + other + "\" and \""
                        + entry.getKey() + "\"");
            }
            tokenById[entry.getValue()] = entry.getKey();
        }
        return tokenById;
    }

    /** Reads {@code merges}, as {@code "a b"} strings or {@code ["a", "b"]} pairs. */
    private static PairRanks readMerges(Json json, Map<String, Integer> vocab, String continuingSubwordPrefix) {
        if (json.isAbsent()) {
            // without merges every word would be encoded byte by byte: ids the model never saw, silently
            throw json.error("missing: a BPE model needs its merges (a list, empty only for a byte-level vocabulary)");
        }
        List<Json> entries = json.elements();
        PairRanks ranks = new PairRanks(entries.size());
        for (int rank = 0; rank < entries.size(); rank++) {
            Json entry = entries.get(rank);
            String left;
            String right;
            if (entry.node().isTextual()) {
                String[] parts = entry.node().asText().split(" ", -1);
                if (parts.length != 2) {
                    throw entry.error("expected a merge \"left right\" with exactly one space, found \""
                            + entry.node().asText() + "\"");
                }
                left = parts[0];
                right = parts[1];
            } else if (entry.node().isArray() && entry.node().size() == 2) {
                left = entry.elements().get(0).string();
                right = entry.elements().get(1).string();
            } else {
                throw entry.error("expected a merge as \"left right\" or [\"left\", \"right\"], found " + entry.node());
            }
            String merged = left + (continuingSubwordPrefix != null && right.startsWith(continuingSubwordPrefix)
                    ? right.substring(continuingSubwordPrefix.length()) : right);
            ranks.put(vocabId(vocab, left, entry), vocabId(vocab, right, entry), rank, vocabId(vocab, merged, entry));
        }
        return ranks;
    }

    private static int vocabId(Map<String, Integer> vocab, String token, Json merge) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw merge.error("the merge uses or produces \"" + token + "\", which is not in model.vocab");
        }
        return id;
    }
}
