package io.jformer.kernels;

import io.jformer.tensor.Backends;
import io.jformer.tensor.Device;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Discovery of the provider, and the single clear line it gives on a machine without CUDA. */
class CudaBackendProviderTest {

    @Test
    void providerIsRegisteredForCuda() {
        boolean found = false;
        for (io.jformer.tensor.BackendProvider p : ServiceLoader.load(io.jformer.tensor.BackendProvider.class)) {
            found |= p instanceof CudaBackendProvider && p.deviceType() == Device.Type.CUDA;
        }
        assertTrue(found, "META-INF/services registers CudaBackendProvider");
    }

    @Test
    void withoutCudaOpeningSaysWhyInOneLineAndIsAvailableIsFalse() {
        Assumptions.assumeFalse(CudaProbe.driver().usable(), "this machine has a usable CUDA driver");
        CudaBackendProvider provider = new CudaBackendProvider();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> provider.open(0));
        String m = e.getMessage();
        assertTrue(m.startsWith("CUDA unavailable: "), m);
        assertTrue(m.endsWith("; using the CPU"), m);
        assertFalse(m.contains("\n"), "one line: " + m);
        // Asking again gives the same answer without touching the driver.
        assertEquals(m, assertThrows(UnsupportedOperationException.class, () -> provider.open(0)).getMessage());
        assertFalse(Backends.isAvailable(Device.cuda(0)));
        assertFalse(Backends.isAvailable(Device.cuda(3)));
        assertTrue(CudaBackendProvider.unavailableReason(0).startsWith("CUDA unavailable: "));
    }

    @Test
    void withoutTheDriverLibraryTheReasonNamesLibcuda() {
        Assumptions.assumeFalse(new java.io.File("/usr/lib/x86_64-linux-gnu/libcuda.so.1").exists()
                || System.getenv("LD_LIBRARY_PATH") != null && System.getenv("LD_LIBRARY_PATH").contains("cuda"),
                "libcuda.so.1 may be present here");
        assertEquals("libcuda.so.1 not found (no NVIDIA driver)", CudaProbe.driver().reason());
    }
}
