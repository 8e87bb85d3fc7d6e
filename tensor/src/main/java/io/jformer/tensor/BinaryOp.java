package io.jformer.tensor;

/** Elementwise operations of two tensors (NumPy broadcasting). */
public enum BinaryOp {
    /** {@code a + b}. */
    ADD,
    /** {@code a - b}. */
    SUB,
    /** {@code a * b}. */
    MUL,
    /** {@code a / b}. */
    DIV,
    /** {@code a} raised to {@code b}. */
    POW,
    /** The larger of {@code a} and {@code b}; NaN if either is NaN. */
    MAXIMUM,
    /** The smaller of {@code a} and {@code b}; NaN if either is NaN. */
    MINIMUM;

    /** The scalar definition: every backend's kernels must agree with it. */
    public float apply(float a, float b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> (float) Math.pow(a, b);
            case MAXIMUM -> Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.max(a, b);
            case MINIMUM -> Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.min(a, b);
        };
    }
}
