package io.jformer.kernels;

/** The device could not satisfy an allocation even after the cache was emptied; the message says what was asked and what is held. */
public final class CudaOutOfMemoryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    CudaOutOfMemoryException(String message) {
        super(message);
    }
}
