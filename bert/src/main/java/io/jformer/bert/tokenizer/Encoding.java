package io.jformer.bert.tokenizer;

import java.util.Arrays;

/**
 * One encoded input, ready for a BERT model: token ids (with {@code [CLS]}/{@code [SEP]}), segment (token type)
 * ids, attention mask (1 = real token, 0 = padding) and the tokens themselves. All arrays have the same length.
 * The arrays are the record's own: do not modify them.
 */
public record Encoding(int[] inputIds, int[] tokenTypeIds, int[] attentionMask, String[] tokens) {

    /** Checks that all arrays have the same length. */
    public Encoding {
        if (tokenTypeIds.length != inputIds.length || attentionMask.length != inputIds.length
                || tokens.length != inputIds.length) {
            throw new IllegalArgumentException("lengths differ: ids " + inputIds.length + ", type ids "
                    + tokenTypeIds.length + ", mask " + attentionMask.length + ", tokens " + tokens.length);
        }
    }

    /** Number of positions (tokens, including special tokens and padding). */
    public int length() { return inputIds.length; }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoding e && Arrays.equals(inputIds, e.inputIds) && Arrays.equals(tokenTypeIds, e.tokenTypeIds)
                && Arrays.equals(attentionMask, e.attentionMask) && Arrays.equals(tokens, e.tokens);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(inputIds) * 31 + Arrays.hashCode(tokenTypeIds) * 17 + Arrays.hashCode(attentionMask);
    }

    @Override
    public String toString() {
        return "Encoding[inputIds=" + Arrays.toString(inputIds) + ", tokenTypeIds=" + Arrays.toString(tokenTypeIds)
                + ", attentionMask=" + Arrays.toString(attentionMask) + ", tokens=" + Arrays.toString(tokens) + "]";
    }
}
