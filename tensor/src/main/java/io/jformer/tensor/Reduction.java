package io.jformer.tensor;

/** How a loss combines per-example values, as in PyTorch's {@code reduction=} argument. */
public enum Reduction {
    /** Mean over the examples that count (for cross-entropy: those not equal to the ignore index). */
    MEAN,
    /** The sum over all examples. */
    SUM,
    /** One value per example. */
    NONE
}
