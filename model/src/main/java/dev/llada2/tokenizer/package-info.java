/**
 * Text to token ids and back for LLaDA2: a pure-Java implementation of Hugging Face
 * {@code tokenizer.json} files for byte-level BPE models, and the LLaDA2.0 chat template.
 *
 * <p>Public API: {@link dev.llada2.tokenizer.Tokenizer} (load, encode, decode, token lookups),
 * {@link dev.llada2.tokenizer.ChatTemplate} with {@link dev.llada2.tokenizer.ChatMessage},
 * {@link dev.llada2.tokenizer.LLaDA2SpecialTokens} (the ids LLaDA2 needs, found by name) and
 * {@link dev.llada2.tokenizer.DemoTokenizer} (writes a small tokenizer.json for the demo model).
 *
 * <p>The package-private classes are the tokenizer.json components, each named as in the file:
 * {@code AddedTokens}, {@code Normalizer}, {@code PreTokenizer} (with {@code SplitPattern} and
 * {@code SplitBehavior}), {@code BpeModel} (with {@code PairRanks} and {@code LongMinHeap}),
 * {@code PostProcessor}, {@code Decoder}; plus {@code ByteLevelAlphabet} (the GPT-2 byte/character
 * table), {@code Utf8Repair} (UTF-8 decoding with the reference's replacement rule),
 * {@code CharClasses} (the reference's Unicode predicates) and {@code Json} (reading with error
 * paths). The golden tests check all of it against the Rust {@code tokenizers} library on the
 * tokenizers in {@code ../shared/tokenizers}.
 */
package dev.llada2.tokenizer;
