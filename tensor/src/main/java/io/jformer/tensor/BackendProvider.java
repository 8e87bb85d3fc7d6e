package io.jformer.tensor;

/**
 * Service-provider interface through which accelerator backends (for example the CUDA backend in
 * {@code jformer-kernels}) are found at run time with {@link java.util.ServiceLoader}, so nothing above them
 * depends on their native libraries.
 */
public interface BackendProvider {

    /** The kind of device this provider serves. */
    Device.Type deviceType();

    /**
     * Opens the backend for device {@code index}.
     *
     * @throws UnsupportedOperationException with a one-line reason when the device cannot be used here
     *                                       (no driver, no device, missing native library)
     */
    Backend open(int index);
}
