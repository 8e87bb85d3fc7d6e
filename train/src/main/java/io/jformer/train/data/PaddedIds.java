package io.jformer.train.data;

import io.jformer.bert.tokenizer.Encoding;
import io.jformer.tensor.Tensor;

import java.util.List;

/** Encodings padded to the longest into I64 {@code [rows, len]} ids, token types and mask. */
public record PaddedIds(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask) {

    /**
     * The encodings padded with {@code padId} to the longest of them, as I64 {@code [batch, seq]} tensors
     * (padded positions have attention mask 0).
     */
    public static PaddedIds of(List<Encoding> enc, int padId) {
        int rows = enc.size();
        int len = 1;
        for (Encoding e : enc) {
            len = Math.max(len, e.length());
        }
        long[] ids = new long[rows * len];
        long[] types = new long[rows * len];
        long[] mask = new long[rows * len];
        java.util.Arrays.fill(ids, padId);
        for (int r = 0; r < rows; r++) {
            Encoding e = enc.get(r);
            for (int t = 0; t < e.length(); t++) {
                ids[r * len + t] = e.inputIds()[t];
                types[r * len + t] = e.tokenTypeIds()[t];
                mask[r * len + t] = e.attentionMask()[t];
            }
        }
        return new PaddedIds(Tensor.ofLongs(ids, rows, len), Tensor.ofLongs(types, rows, len),
                Tensor.ofLongs(mask, rows, len));
    }
}
