package io.jformer.kernels;

import io.jformer.tensor.Backends;
import io.jformer.tensor.Device;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

/**
 * Every CUDA kernel against the CPU backend ({@link KernelChecks}: odd sizes, NaN-poisoned outputs, fp32 1e-5
 * and fp16 1e-2 relative tolerances); skipped, with the reason, where there is no usable GPU (CI has none).
 */
class CudaKernelsTest {

    private static void requireGpu() {
        String reason = CudaBackendProvider.unavailableReason(0);
        Assumptions.assumeTrue(reason == null, reason);
    }

    /** Shows up as skipped, with the reason, where there is no GPU (an aborted factory is not counted). */
    @Test
    void aUsableGpuIsPresentForTheKernelChecks() {
        requireGpu();
    }

    @TestFactory
    Stream<DynamicTest> everyKernelMatchesTheCpuBackend() {
        requireGpu();
        CudaBackend gpu = (CudaBackend) Backends.forDevice(Device.cuda(0));
        return new KernelChecks(gpu, Backends.cpu(), 20240611L).all().entrySet().stream()
                .map(e -> DynamicTest.dynamicTest(e.getKey(), e.getValue()::run));
    }
}
