package dev.llada2.tokenizer;

import java.util.Arrays;

/** A binary min-heap of primitive longs (BPE merge candidates packed as rank << 32 | position). */
final class LongMinHeap {

    private long[] heap;
    private int size;

    LongMinHeap(int capacity) {
        heap = new long[Math.max(4, capacity)];
    }

    boolean isEmpty() {
        return size == 0;
    }

    void add(long value) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        int k = size++;
        while (k > 0) {
            int parent = (k - 1) >>> 1;
            if (heap[parent] <= value) {
                break;
            }
            heap[k] = heap[parent];
            k = parent;
        }
        heap[k] = value;
    }

    /** Removes and returns the smallest value; the heap must not be empty. */
    long poll() {
        long result = heap[0];
        long last = heap[--size];
        int k = 0;
        while (true) {
            int child = 2 * k + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (last <= heap[child]) {
                break;
            }
            heap[k] = heap[child];
            k = child;
        }
        heap[k] = last;
        return result;
    }
}
