package io.jformer.tensor.cpu;

/**
 * A float array per thread, grown to the largest size asked of it: scratch space for kernels that run one row or
 * block at a time on the pool's threads, which would otherwise allocate it on every call.
 */
final class ThreadScratch {

    private final ThreadLocal<float[][]> holder = ThreadLocal.withInitial(() -> new float[][]{new float[0]});

    /** This thread's array, at least {@code size} floats long; its contents are left from the last use. */
    float[] atLeast(int size) {
        float[][] h = holder.get();
        if (h[0].length < size) {
            h[0] = new float[size];
        }
        return h[0];
    }
}
