package io.jformer.train.data;

import io.jformer.bert.tokenizer.BertTokenizer;
import io.jformer.bert.tokenizer.Encoding;
import io.jformer.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Turns examples into padded batches: tokenised once up front, shuffled per epoch from the seed
 * ({@code seed + epoch}, so an epoch's order can be rebuilt exactly when a run resumes), padded to the
 * longest sequence of each batch (dynamic padding). With length grouping, batches are formed from runs of
 * similar length (Hugging Face's {@code group_by_length}), which wastes less compute on padding.
 */
public final class Batcher {

    private final List<Encoding> encodings;
    private final int[] labels;
    private final int batchSize;
    private final int padId;

    /**
     * Tokenises every example once with {@code tokenizer}'s options (its padding is ignored: batches are padded
     * to their longest sequence).
     */
    public Batcher(List<Example> examples, BertTokenizer tokenizer, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        List<String> texts = new ArrayList<>(examples.size());
        labels = new int[examples.size()];
        for (int i = 0; i < examples.size(); i++) {
            texts.add(examples.get(i).text());
            labels[i] = examples.get(i).label();
        }
        BertTokenizer unpadded = tokenizer.withOptions(tokenizer.options().withPadding(BertTokenizer.Padding.NONE));
        this.encodings = unpadded.encodeBatch(texts);
        this.batchSize = batchSize;
        this.padId = tokenizer.vocab().padId();
    }

    /** The number of examples. */
    public int exampleCount() {
        return encodings.size();
    }

    /** Batches per epoch (the last may be smaller). */
    public int batchesPerEpoch() {
        return (encodings.size() + batchSize - 1) / batchSize;
    }

    /** Example order of an epoch: shuffled from {@code seed + epoch}, optionally grouped by length. */
    public int[] order(long seed, int epoch, boolean shuffle, boolean groupByLength) {
        int n = encodings.size();
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        if (!shuffle) {
            return idx;
        }
        Random rnd = new Random(seed + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        if (groupByLength) {
            // Sort within mega-batches of 50 batches by length, longest first, then shuffle the batches.
            int mega = 50 * batchSize;
            for (int start = 0; start < n; start += mega) {
                int end = Math.min(n, start + mega);
                Integer[] part = new Integer[end - start];
                for (int i = start; i < end; i++) {
                    part[i - start] = idx[i];
                }
                Arrays.sort(part, (a, b) -> Integer.compare(encodings.get(b).length(), encodings.get(a).length()));
                for (int i = start; i < end; i++) {
                    idx[i] = part[i - start];
                }
            }
            int batches = (n + batchSize - 1) / batchSize;
            int[] batchOrder = new int[batches];
            for (int i = 0; i < batches; i++) {
                batchOrder[i] = i;
            }
            for (int i = batches - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = batchOrder[i];
                batchOrder[i] = batchOrder[j];
                batchOrder[j] = t;
            }
            int[] grouped = new int[n];
            int k = 0;
            for (int b : batchOrder) {
                for (int i = b * batchSize; i < Math.min(n, (b + 1) * batchSize); i++) {
                    grouped[k++] = idx[i];
                }
            }
            idx = grouped;
        }
        return idx;
    }

    /** Batch {@code b} of an epoch whose example order is {@code order}. */
    public Batch batch(int[] order, int b) {
        int start = b * batchSize;
        int end = Math.min(order.length, start + batchSize);
        List<Encoding> rows = new ArrayList<>(end - start);
        long[] y = new long[end - start];
        for (int i = start; i < end; i++) {
            rows.add(encodings.get(order[i]));
            y[i - start] = labels[order[i]];
        }
        PaddedIds ids = PaddedIds.of(rows, padId);
        return new Batch(ids.inputIds(), ids.tokenTypeIds(), ids.attentionMask(), Tensor.ofLongs(y, y.length));
    }
}
