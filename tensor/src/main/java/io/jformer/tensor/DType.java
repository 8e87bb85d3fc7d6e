package io.jformer.tensor;

/**
 * Element types. Arithmetic runs in {@link #F32}; {@link #F16} and {@link #BF16} are storage formats
 * (checkpoints, GPU activations) converted with round-to-nearest-even; {@link #I64} holds indices and labels.
 */
public enum DType {
    F32(4),
    F16(2),
    BF16(2),
    I64(8);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFloatingPoint() {
        return this != I64;
    }
}
