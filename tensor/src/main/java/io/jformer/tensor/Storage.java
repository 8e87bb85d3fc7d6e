package io.jformer.tensor;

/**
 * A flat block of elements owned by one backend on one device. Tensors are views over storage
 * (shape, strides, offset); several tensors may share one storage.
 */
public interface Storage {
    /** The device the elements live on. */
    Device device();

    /** The element type. */
    DType dtype();

    /** Number of elements. */
    int length();
}
