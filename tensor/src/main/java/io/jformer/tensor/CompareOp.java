package io.jformer.tensor;

/** Elementwise comparisons; the result is an F32 tensor of 0 and 1, usable directly as a mask. */
public enum CompareOp {
    /** {@code a == b}. */
    EQ,
    /** {@code a != b}. */
    NE,
    /** {@code a < b}. */
    LT,
    /** {@code a <= b}. */
    LE,
    /** {@code a > b}. */
    GT,
    /** {@code a >= b}. */
    GE;

    /** The scalar definition: every backend's kernels must agree with it. */
    public boolean test(float a, float b) {
        return switch (this) {
            case EQ -> a == b;
            case NE -> a != b;
            case LT -> a < b;
            case LE -> a <= b;
            case GT -> a > b;
            case GE -> a >= b;
        };
    }
}
