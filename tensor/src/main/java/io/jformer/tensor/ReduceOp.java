package io.jformer.tensor;

/** Reductions over one or more dimensions. */
public enum ReduceOp {
    /** The sum. */
    SUM,
    /** The arithmetic mean. */
    MEAN,
    /** The largest element. */
    MAX,
    /** The smallest element. */
    MIN
}
