package io.jformer.bert.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * WordPiece: greedy longest-match-first splitting of one word into vocabulary pieces, continuation pieces
 * carrying the vocabulary's prefix ({@code ##}). A word with more code points than
 * {@link Vocab#maxInputCharsPerWord()}, or one that cannot be split completely, becomes one unknown token.
 *
 * <p>Matching walks a character trie of the vocabulary (transitions in one open-addressing hash table),
 * so each piece costs one probe per character and no allocation. Immutable and thread-safe.
 */
final class WordPiece {
    private static final long EMPTY = -1L;

    private final Vocab vocab;
    private final int unkId;
    private final int maxChars;
    /** Token id ending at each trie node, or -1. Node 0 is the root. */
    private final int[] nodeToken;
    /** Node reached from the root by the continuing-subword prefix, or -1 if the vocabulary has none. */
    private final int continuationRoot;
    private final long[] keys;
    private final int[] children;
    private final int mask;
    private final int shift;
    /** Children of the root, dense (most words start at the root). */
    private final int[] rootChildren = new int[65536];

    /** Builds the matcher for {@code vocab} (its settings: unknown token, prefix, word length limit). */
    public WordPiece(Vocab vocab) {
        this.vocab = vocab;
        this.unkId = vocab.unkId();
        this.maxChars = vocab.maxInputCharsPerWord();
        String[] tokens = vocab.tokensArray();
        long totalChars = 0;
        for (String t : tokens) if (t != null) totalChars += t.length();
        int cap = Integer.highestOneBit((int) Math.max(16, Math.min(1 << 29, totalChars * 2))) * 2;
        long[] keys = new long[cap];
        int[] children = new int[cap];
        java.util.Arrays.fill(keys, EMPTY);
        int bits = Integer.numberOfTrailingZeros(cap);
        this.mask = cap - 1;
        this.shift = 64 - bits;
        int[] nodeToken = new int[(int) Math.min(Integer.MAX_VALUE - 8, totalChars + 2)];
        java.util.Arrays.fill(nodeToken, -1);
        java.util.Arrays.fill(rootChildren, -1);
        int nodes = 1;
        for (int id = 0; id < tokens.length; id++) {
            String t = tokens[id];
            if (t == null || t.isEmpty() || vocab.id(t) != id) continue; // a duplicate keeps the id the map has
            int node = 0;
            for (int i = 0; i < t.length(); i++) {
                char c = t.charAt(i);
                int child = node == 0 ? rootChildren[c] : lookup(keys, children, node, c);
                if (child < 0) {
                    child = nodes++;
                    if (node == 0) rootChildren[c] = child;
                    else insert(keys, children, node, c, child);
                }
                node = child;
            }
            nodeToken[node] = id;
        }
        this.keys = keys;
        this.children = children;
        this.nodeToken = java.util.Arrays.copyOf(nodeToken, nodes);
        int cont = 0;
        String prefix = vocab.continuingSubwordPrefix();
        for (int i = 0; i < prefix.length() && cont >= 0; i++) {
            cont = cont == 0 ? rootChildren[prefix.charAt(i)] : lookup(keys, children, cont, prefix.charAt(i));
        }
        this.continuationRoot = cont;
    }

    /** The vocabulary this matcher splits into. */
    public Vocab vocab() { return vocab; }

    /** Splits one word (already normalized and pre-tokenized) into token ids. */
    public int[] tokenizeToIds(String word) {
        IntList out = new IntList(8);
        tokenize(word.toCharArray(), word.length(), word.codePointCount(0, word.length()), out);
        return out.toArray();
    }

    /** Splits one word (already normalized and pre-tokenized) into tokens. */
    public List<String> tokenize(String word) {
        List<String> r = new ArrayList<>();
        for (int id : tokenizeToIds(word)) r.add(vocab.token(id));
        return r;
    }

    /**
     * Appends the ids of {@code word[0, len)} ({@code codePoints} code points) to {@code out}. When the word is
     * longer than the limit its characters are not read.
     */
    void tokenize(char[] word, int len, int codePoints, IntList out) {
        if (codePoints > maxChars) {
            out.add(unkId);
            return;
        }
        int mark = out.size();
        int start = 0;
        while (start < len) {
            int node = start == 0 ? 0 : continuationRoot;
            if (node < 0) break;
            int bestEnd = -1, bestId = -1;
            for (int i = start; i < len; i++) {
                char c = word[i];
                node = node == 0 ? rootChildren[c] : lookup(keys, children, node, c);
                if (node < 0) break;
                int id = nodeToken[node];
                if (id >= 0) {
                    bestEnd = i + 1;
                    bestId = id;
                }
            }
            if (bestId < 0) break;
            out.add(bestId);
            start = bestEnd;
        }
        if (start < len) { // some part could not be matched: the whole word is unknown
            out.truncate(mark);
            out.add(unkId);
        }
    }

    private int slot(int node, char c) {
        long key = ((long) node << 16) | c;
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    private int lookup(long[] keys, int[] children, int node, char c) {
        long key = ((long) node << 16) | c;
        int s = slot(node, c);
        while (true) {
            long k = keys[s];
            if (k == key) return children[s];
            if (k == EMPTY) return -1;
            s = (s + 1) & mask;
        }
    }

    private void insert(long[] keys, int[] children, int node, char c, int child) {
        long key = ((long) node << 16) | c;
        int s = slot(node, c);
        while (keys[s] != EMPTY) s = (s + 1) & mask;
        keys[s] = key;
        children[s] = child;
    }
}
