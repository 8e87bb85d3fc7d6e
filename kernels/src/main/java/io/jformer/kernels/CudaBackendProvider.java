package io.jformer.kernels;

import io.jformer.tensor.Backend;
import io.jformer.tensor.BackendProvider;
import io.jformer.tensor.Device;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Finds the CUDA backend at run time (registered for {@link java.util.ServiceLoader}). Opening probes the
 * driver once; where CUDA cannot be used it throws {@link UnsupportedOperationException} with one line
 * saying why, e.g. {@code CUDA unavailable: libcuda.so.1 not found (no NVIDIA driver); using the CPU}.
 */
public final class CudaBackendProvider implements BackendProvider {

    private static final Logger LOG = Logger.getLogger(CudaBackendProvider.class.getName());
    /** A cache of failures per device, so the reason is worked out (and logged) once per process. */
    private static final Map<Integer, String> FAILURES = new ConcurrentHashMap<>();

    @Override
    public Device.Type deviceType() {
        return Device.Type.CUDA;
    }

    @Override
    public Backend open(int index) {
        String known = FAILURES.get(index);
        if (known != null) {
            throw new UnsupportedOperationException(known);
        }
        String reason = CudaProbe.checkDevice(index);
        if (reason == null) {
            try {
                return new CudaBackend(index);
            } catch (Throwable t) {
                reason = "cannot open CUDA device " + index + ": " + CudaProbe.explain(t);
            }
        }
        String line = "CUDA unavailable: " + reason + "; using the CPU";
        // FINE, not INFO: the exception carries the line to the caller, who says it once (the CLI prints it);
        // logging it here too printed the same reason twice.
        if (FAILURES.putIfAbsent(index, line) == null) {
            LOG.fine(line);
        }
        throw new UnsupportedOperationException(line);
    }

    /** Why CUDA device {@code index} cannot be used here, or null when it can (opening it if needed). */
    public static String unavailableReason(int index) {
        try {
            io.jformer.tensor.Backends.forDevice(Device.cuda(index)); // cached there: a device has one backend
            return null;
        } catch (UnsupportedOperationException e) {
            return e.getMessage();
        }
    }
}
