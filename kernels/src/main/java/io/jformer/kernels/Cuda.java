package io.jformer.kernels;

import jcuda.driver.CUresult;

/** Result checking for driver calls (JCuda's own exceptions stay off so a failing probe can be explained). */
final class Cuda {

    private Cuda() {
    }

    /** Throws {@link CudaException} naming {@code call} unless {@code result} is {@code CUDA_SUCCESS}. */
    static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(call + " failed: " + CUresult.stringFor(result) + " (" + result + ")", result);
        }
    }
}
