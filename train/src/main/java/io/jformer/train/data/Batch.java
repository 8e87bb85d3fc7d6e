package io.jformer.train.data;

import io.jformer.tensor.Device;
import io.jformer.tensor.Tensor;

/**
 * A padded batch: I64 {@code [batch, seq]} ids, token types and attention mask, and I64 {@code [batch]} labels.
 */
public record Batch(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask, Tensor labels) {

    /** The same batch on {@code device} (itself when already there). */
    public Batch to(Device device) {
        return new Batch(inputIds.to(device), tokenTypeIds.to(device), attentionMask.to(device), labels.to(device));
    }

    /** The number of examples in the batch. */
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
