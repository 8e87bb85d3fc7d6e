package io.jformer.train.data;

import io.jformer.tensor.Tensor;

/**
 * A padded batch: I64 {@code [batch, seq]} ids, token types and attention mask, and I64 {@code [batch]} labels.
 */
public record Batch(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask, Tensor labels) {

    public int size() {
        return inputIds.size(0);
    }

    /** Tokens that are not padding. */
    public int realTokens() {
        long n = 0;
        for (long m : attentionMask.toLongArray()) {
            n += m;
        }
        return (int) n;
    }
}
