package io.jformer.bert.tokenizer;

import java.util.Arrays;

/** A growable {@code int[]}; not thread-safe (each encode call has its own). */
final class IntList {
    int[] a;
    int size;

    IntList(int capacity) { a = new int[Math.max(capacity, 4)]; }

    void add(int v) {
        if (size == a.length) a = Arrays.copyOf(a, size * 2);
        a[size++] = v;
    }

    int get(int i) { return a[i]; }

    int size() { return size; }

    void truncate(int n) { if (n < size) size = n; }

    int[] toArray() { return Arrays.copyOf(a, size); }
}
