package io.jformer.tensor;

/** Thrown when the shapes given to an operation do not fit together; the message names the op and the shapes. */
public class ShapeMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** An exception whose message names the operation and the shapes involved. */
    public ShapeMismatchException(String message) {
        super(message);
    }
}
