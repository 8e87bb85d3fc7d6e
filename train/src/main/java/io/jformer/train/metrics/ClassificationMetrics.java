package io.jformer.train.metrics;

/**
 * Accuracy, precision, recall and F1 of the positive class (index 1, as in scikit-learn's binary default),
 * the confusion matrix and the mean loss, accumulated batch by batch.
 */
public final class ClassificationMetrics {

    private final long[][] confusion;
    private double lossSum;
    private long count;

    /** Empty counts for a task with {@code classes} classes. */
    public ClassificationMetrics(int classes) {
        this.confusion = new long[classes][classes];
    }

    /** Adds predictions against gold labels, with the batch's summed loss. */
    public void add(long[] gold, long[] predicted, double batchLossSum) {
        for (int i = 0; i < gold.length; i++) {
            confusion[(int) gold[i]][(int) predicted[i]]++;
        }
        lossSum += batchLossSum;
        count += gold.length;
    }

    /** The number of examples added. */
    public long count() {
        return count;
    }

    /** The mean loss per example (NaN before any were added). */
    public double loss() {
        return count == 0 ? Double.NaN : lossSum / count;
    }

    /** The fraction of examples predicted correctly (NaN before any were added). */
    public double accuracy() {
        long right = 0;
        for (int i = 0; i < confusion.length; i++) {
            right += confusion[i][i];
        }
        return count == 0 ? Double.NaN : (double) right / count;
    }

    /** Of the examples predicted positive, the fraction that are; 0 when none were predicted positive. */
    public double precision() {
        long tp = confusion[1][1];
        long predicted = 0;
        for (long[] row : confusion) {
            predicted += row[1];
        }
        return predicted == 0 ? 0 : (double) tp / predicted;
    }

    /** Of the positive examples, the fraction predicted positive; 0 when there are none. */
    public double recall() {
        long tp = confusion[1][1];
        long actual = 0;
        for (long v : confusion[1]) {
            actual += v;
        }
        return actual == 0 ? 0 : (double) tp / actual;
    }

    /** The harmonic mean of {@link #precision()} and {@link #recall()}; 0 when both are 0. */
    public double f1() {
        double p = precision();
        double r = recall();
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** {@code [gold][predicted]} counts (a copy). */
    public long[][] confusion() {
        long[][] c = new long[confusion.length][];
        for (int i = 0; i < c.length; i++) {
            c[i] = confusion[i].clone();
        }
        return c;
    }
}
