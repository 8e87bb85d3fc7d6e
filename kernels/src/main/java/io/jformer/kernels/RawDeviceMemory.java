package io.jformer.kernels;

/**
 * The raw device allocation calls the {@link CachingAllocator} sits on: {@code cuMemAlloc}/{@code cuMemFree}
 * in production, a fake in tests, so the allocator's bookkeeping is tested without a GPU.
 */
interface RawDeviceMemory {

    /** A new allocation of exactly {@code bytes}, or null when the device is out of memory. */
    Object malloc(long bytes);

    /** Returns an allocation made by {@link #malloc}. */
    void free(Object handle);

    /** {@code {free, total}} bytes as the driver sees them, for error messages; null when unknown. */
    default long[] memInfo() {
        return null;
    }
}
