package dev.llada2.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.errors.LladaException;
import dev.llada2.io.IoErrors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Writes a small, valid LLaDA2-style byte-level BPE {@code tokenizer.json} for the built-in demo
 * (a randomly initialised model needs some tokenizer, and the real one is not distributed here).
 *
 * <p>Layout of the ids: 0..255 the byte-level alphabet in byte order; then the BPE merges, trained
 * deterministically on {@link #TRAINING_TEXT} (greedy: repeatedly join the most frequent adjacent
 * pair, ties broken by the smaller pair of strings, while some pair occurs twice), at most
 * {@value #MAX_MERGES} and as many as the vocabulary size leaves room for; then the special tokens
 * {@code <|endoftext|>}, {@code <|mask|>}, {@code <|role_end|>}, {@code <role>}, {@code </role>}.
 * Ids from there up to {@code vocabSize} are unused rows, as LLaDA2's own embedding has.
 * Components: NFC normalizer, the LLaDA2 Split regex (spec §7) then ByteLevel without regex,
 * ByteLevel post-processor and decoder.
 */
public final class DemoTokenizer {

    /** Most merges trained: enough for common English words, small enough to stay a demo. */
    public static final int MAX_MERGES = 400;
    /** The pre-tokenizer regex of the Ling 2.0 / LLaDA2.0 tokenizer. */
    public static final String SPLIT_REGEX = "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
    private static final List<String> SPECIAL_TOKENS = List.of(LLaDA2SpecialTokens.END_OF_TEXT,
            LLaDA2SpecialTokens.MASK, LLaDA2SpecialTokens.ROLE_END, LLaDA2SpecialTokens.ROLE_OPEN,
            LLaDA2SpecialTokens.ROLE_CLOSE);
    private static final int MIN_VOCAB = 256 + SPECIAL_TOKENS.size();

    static final String TRAINING_TEXT = """
            The model reads a prompt and writes an answer one block at a time. Every position of the \
            block starts as a mask, and at each step the model fills in the positions it is most sure \
            about. When the whole block is filled, the next block begins, until the answer is complete \
            or the model writes the end of the text.

            You are a helpful assistant. The user asks a question, and the assistant answers it. If the \
            question is not clear, the assistant asks what the user wants to know. The answer should be \
            short, correct and kind.

            Hello! How are you today? I am fine, thank you. What would you like to talk about? Let's talk \
            about the weather, about books, about music, or about the things we learned this week.

            In the morning the sun rises over the hills, and the light comes through the window. The city \
            wakes up: people walk to the station, children go to school, and the shops open their doors. \
            In the evening the streets are quiet again, and the lights of the houses shine in the dark.

            A computer runs a program by following its instructions one after another. The program reads \
            numbers from memory, adds and multiplies them, and writes the results back. Modern computers \
            can do billions of these operations every second, on many cores at the same time.

            Water boils at 100 degrees and freezes at 0 degrees. There are 7 days in a week, 12 months in \
            a year, and 365 days in most years. The answer to 6 times 7 is 42, and 2 plus 2 is 4.

            She said that she would come back later. They were reading the report when the phone rang. \
            We have been working on this project for a long time, and we think it is nearly finished. \
            It's not what we expected, but it's better than nothing. Don't worry, we'll find a way.

            The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs. \
            Learning a language takes time, patience and practice: read a little every day, write down \
            new words, and speak with other people as often as you can.

            A good recipe lists the ingredients first and then the steps. Heat the oven, mix the flour \
            with the butter and the sugar, add two eggs and a little milk, and bake the cake for about \
            forty minutes. Let it cool before you cut it, and share it with your friends and family.

            The history of science is a story of questions. People looked at the stars and asked why \
            they moved; they watched apples fall and asked why things fall down and not up. Each answer \
            raised new questions, and the search for better answers still continues today.

            Please write a short summary of the following article. The article describes how the new \
            library helps researchers share their data, why open access matters, and which problems \
            remain. Summaries should mention the main points and leave out the details.

            Travelling by train is slower than flying, but you see more of the country. The train leaves \
            the station at nine o'clock, crosses the river, passes the farms and the forests, and arrives \
            in the capital in the afternoon. Remember to buy your ticket before you get on the train.

            Question: which planet is the largest in our solar system? Answer: Jupiter is the largest \
            planet. It is a gas giant, more than eleven times wider than the Earth, and it has dozens of \
            moons. Saturn, the second largest planet, is famous for its beautiful rings.
            """;

    private DemoTokenizer() {
    }

    /**
     * Writes the demo tokenizer.json to {@code file} (a file name; its directory must exist).
     *
     * @param vocabSize the model's vocabulary size: every id written is below it; at least 261
     * @return the ids of the special tokens, with {@code file} as source
     * @throws LladaException (input) when vocabSize is too small or the file cannot be written
     */
    public static LLaDA2SpecialTokens write(Path file, int vocabSize) {
        if (vocabSize < MIN_VOCAB) {
            throw LladaException.input("demo tokenizer: vocabulary size " + vocabSize + " is too small; it needs at"
                    + " least " + MIN_VOCAB + " (256 byte tokens and " + SPECIAL_TOKENS.size() + " special tokens)");
        }
        List<String[]> merges = train(Math.min(MAX_MERGES, vocabSize - MIN_VOCAB));
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        root.putObject("normalizer").put("type", "NFC");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        ObjectNode split = steps.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", SPLIT_REGEX);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        byteLevel(steps.addObject());
        byteLevel(root.putObject("post_processor"));
        byteLevel(root.putObject("decoder"));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevelAlphabet.charOf(b)), b);
        }
        ArrayNode mergeList = model.putArray("merges");
        for (String[] merge : merges) {
            if (!vocab.has(merge[0] + merge[1])) {  // two merges may spell the same token
                vocab.put(merge[0] + merge[1], vocab.size());
            }
            mergeList.addArray().add(merge[0]).add(merge[1]);
        }
        int[] ids = new int[SPECIAL_TOKENS.size()];
        for (int k = 0; k < ids.length; k++) {
            ids[k] = vocab.size() + k;
            ObjectNode token = added.addObject();
            token.put("id", ids[k]);
            token.put("content", SPECIAL_TOKENS.get(k));
            token.put("single_word", false);
            token.put("lstrip", false);
            token.put("rstrip", false);
            token.put("normalized", false);
            token.put("special", true);
        }
        try {
            mapper.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
        } catch (IOException e) {
            throw LladaException.input(file + ": cannot write the demo tokenizer: " + IoErrors.reason(file, e), e);
        }
        // Order of SPECIAL_TOKENS: endoftext, mask, role_end, <role>, </role>.
        return new LLaDA2SpecialTokens(ids[1], ids[0], ids[2], ids[3], ids[4], file.toAbsolutePath());
    }

    private static void byteLevel(ObjectNode node) {
        node.put("type", "ByteLevel");
        node.put("add_prefix_space", false);
        node.put("trim_offsets", false);
        node.put("use_regex", false);
    }

    /** Greedy pair-count BPE on the training text's pre-tokenized words; deterministic. */
    static List<String[]> train(int maxMerges) {
        PreTokenizer pre = new PreTokenizer.Sequence(List.of(
                new PreTokenizer.Split(new SplitPattern.Regex(Pattern.compile(SPLIT_REGEX, Pattern.UNICODE_CHARACTER_CLASS)),
                        SplitBehavior.Isolated, false),
                new PreTokenizer.ByteLevel(false, false)));
        Map<String, Integer> wordCounts = new TreeMap<>();
        for (String word : pre.apply(TRAINING_TEXT)) {
            wordCounts.merge(word, 1, Integer::sum);
        }
        List<List<String>> words = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        wordCounts.forEach((word, count) -> {
            List<String> symbols = new ArrayList<>();
            word.codePoints().forEach(cp -> symbols.add(Character.toString(cp)));
            words.add(symbols);
            counts.add(count);
        });
        List<String[]> merges = new ArrayList<>();
        while (merges.size() < maxMerges) {
            Map<String, Integer> pairCounts = new TreeMap<>();  // key "left\u0000right": sorted, so ties are stable
            for (int w = 0; w < words.size(); w++) {
                List<String> symbols = words.get(w);
                for (int i = 0; i + 1 < symbols.size(); i++) {
                    pairCounts.merge(symbols.get(i) + '\u0000' + symbols.get(i + 1), counts.get(w), Integer::sum);
                }
            }
            String best = null;
            int bestCount = 1;
            for (Map.Entry<String, Integer> e : pairCounts.entrySet()) {
                if (e.getValue() > bestCount) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            if (best == null) {
                break;  // no pair occurs twice: further merges would only memorise single words
            }
            String[] pair = best.split("\u0000", 2);
            merges.add(pair);
            for (List<String> symbols : words) {
                for (int i = 0; i + 1 < symbols.size(); i++) {
                    if (symbols.get(i).equals(pair[0]) && symbols.get(i + 1).equals(pair[1])) {
                        symbols.set(i, pair[0] + pair[1]);
                        symbols.remove(i + 1);
                    }
                }
            }
        }
        return merges;
    }
}
