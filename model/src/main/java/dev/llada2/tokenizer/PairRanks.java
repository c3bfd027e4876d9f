package dev.llada2.tokenizer;

import java.util.Arrays;

/**
 * The BPE merge table: for a pair of token ids (left, right), the rank of the merge that joins
 * them (its index in {@code merges}) and the id of the joined token. An open-addressing hash table
 * on primitive longs, because the merge loop looks up every adjacent pair of every new word and a
 * {@code HashMap<Long, ...>} would allocate on each lookup.
 */
final class PairRanks {

    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] ranks;
    private final int[] mergedIdByRank;
    private final int mask;

    /** @param mergeCount the number of merges that will be {@link #put} */
    PairRanks(int mergeCount) {
        int capacity = Integer.highestOneBit(Math.max(16, mergeCount * 2 - 1)) << 1;
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        ranks = new int[capacity];
        mergedIdByRank = new int[mergeCount];
        mask = capacity - 1;
    }

    /** Records merge number {@code rank}; a pair listed twice keeps the later rank, as in the reference. */
    void put(int left, int right, int rank, int mergedId) {
        long key = key(left, right);
        int slot = slot(key);
        while (keys[slot] != EMPTY && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        ranks[slot] = rank;
        mergedIdByRank[rank] = mergedId;
    }

    /** The rank of the merge of (left, right), or -1 when they do not merge. */
    int rank(int left, int right) {
        long key = key(left, right);
        for (int slot = slot(key); ; slot = (slot + 1) & mask) {
            long k = keys[slot];
            if (k == key) {
                return ranks[slot];
            }
            if (k == EMPTY) {
                return -1;
            }
        }
    }

    /** The id of the token merge number {@code rank} produces. */
    int mergedId(int rank) {
        return mergedIdByRank[rank];
    }

    private static long key(int left, int right) {
        return (long) left << 32 | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ h >>> 32) & mask;
    }
}
