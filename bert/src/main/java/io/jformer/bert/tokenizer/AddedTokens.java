package io.jformer.bert.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Hugging Face's "added tokens" ({@code [CLS]}, {@code [SEP]}, {@code [UNK]}, {@code [PAD]}, {@code [MASK]} in
 * BERT): found in the raw text before normalization (leftmost, then longest match) and kept as single tokens,
 * as {@code tokenizers}' {@code AddedVocabulary} does for tokens with {@code normalized: false}.
 * Immutable and thread-safe.
 */
final class AddedTokens {
    /** One added token. {@code special} ones are dropped by {@code decode(ids, skipSpecialTokens=true)}. */
    record Token(String content, int id, boolean special) {}

    private final Token[] tokens; // longest first, so the first match at a position is the longest
    private final boolean[] firstChar = new boolean[65536];
    private final boolean[] specialIds;

    AddedTokens(List<Token> list, int vocabSize) {
        List<Token> sorted = new ArrayList<>();
        for (Token t : list) if (!t.content().isEmpty()) sorted.add(t);
        sorted.sort(Comparator.comparingInt((Token t) -> t.content().length()).reversed());
        this.tokens = sorted.toArray(new Token[0]);
        int maxId = vocabSize - 1;
        for (Token t : tokens) {
            firstChar[t.content().charAt(0)] = true;
            maxId = Math.max(maxId, t.id());
        }
        this.specialIds = new boolean[maxId + 1];
        for (Token t : list) if (t.special() && t.id() >= 0) specialIds[t.id()] = true;
    }

    boolean isEmpty() { return tokens.length == 0; }

    boolean isSpecial(int id) { return id >= 0 && id < specialIds.length && specialIds[id]; }

    List<Token> tokens() { return Arrays.asList(tokens.clone()); }

    /**
     * Finds the first added token in {@code text[from, to)}. Returns its index into {@link #tokens} and sets
     * {@code pos[0]} to its start, or returns -1.
     */
    int find(String text, int from, int to, int[] pos) {
        if (tokens.length == 0) return -1;
        for (int i = from; i < to; i++) {
            if (!firstChar[text.charAt(i)]) continue;
            for (int k = 0; k < tokens.length; k++) {
                String c = tokens[k].content();
                if (i + c.length() <= to && text.startsWith(c, i)) {
                    pos[0] = i;
                    return k;
                }
            }
        }
        return -1;
    }

    Token get(int index) { return tokens[index]; }
}
