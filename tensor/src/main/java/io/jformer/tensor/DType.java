package io.jformer.tensor;

/**
 * Element types. Arithmetic runs in {@link #F32}; {@link #F16} and {@link #BF16} are storage formats
 * (checkpoints, GPU activations) converted with round-to-nearest-even; {@link #I64} holds indices and labels.
 */
public enum DType {
    /** IEEE 754 binary32: the type all arithmetic runs in. */
    F32(4),
    /** IEEE 754 binary16 (half precision), a storage format. */
    F16(2),
    /** bfloat16 (the top 16 bits of an F32), a storage format. */
    BF16(2),
    /** 64-bit signed integers: token ids, labels, indices. */
    I64(8);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether the type holds floating-point values (everything but {@link #I64}). */
    public boolean isFloatingPoint() {
        return this != I64;
    }
}
