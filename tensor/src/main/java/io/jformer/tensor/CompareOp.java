package io.jformer.tensor;

/** Elementwise comparisons; the result is an F32 tensor of 0 and 1, usable directly as a mask. */
public enum CompareOp {
    EQ, NE, LT, LE, GT, GE;

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
