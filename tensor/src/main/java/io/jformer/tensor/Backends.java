package io.jformer.tensor;

import io.jformer.tensor.cpu.CpuBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the backend for a device. The CPU backend is always present; accelerator backends come from
 * {@link BackendProvider}s on the class path. Opened backends are cached for the life of the process
 * (a cache: opening a device is expensive and a device has one backend).
 */
public final class Backends {

    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);
    private static final Map<Device, Backend> OPENED = new ConcurrentHashMap<>();
    private static volatile CpuBackend cpu;

    private Backends() {
    }

    /** The shared CPU backend, with one worker per available processor unless {@link #setCpuThreads} said otherwise. */
    public static CpuBackend cpu() {
        CpuBackend b = cpu;
        if (b == null) {
            synchronized (Backends.class) {
                if (cpu == null) {
                    cpu = new CpuBackend(Runtime.getRuntime().availableProcessors());
                    LOG.debug("CPU backend: {} worker threads (all available processors)", cpu.threads());
                }
                b = cpu;
            }
        }
        return b;
    }

    /**
     * Replaces the shared CPU backend's worker pool with one of {@code threads} threads. Results are
     * bit-for-bit repeatable for a fixed thread count; call this before building models.
     */
    public static synchronized void setCpuThreads(int threads) {
        CpuBackend old = cpu;
        cpu = new CpuBackend(threads);
        LOG.debug("CPU backend: {} worker threads", threads);
        if (old != null) {
            old.close();
        }
    }

    /** The backend for {@code device}; throws {@link UnsupportedOperationException} saying why if it is unavailable. */
    public static Backend forDevice(Device device) {
        if (device.type() == Device.Type.CPU) {
            return cpu();
        }
        return OPENED.computeIfAbsent(device, Backends::open);
    }

    /** Whether {@code device} can be used here, without throwing. */
    public static boolean isAvailable(Device device) {
        try {
            forDevice(device);
            return true;
        } catch (UnsupportedOperationException e) {
            LOG.debug("{} is not available: {}", device, e.getMessage());
            return false;
        }
    }

    private static Backend open(Device device) {
        for (BackendProvider provider : ServiceLoader.load(BackendProvider.class)) {
            if (provider.deviceType() == device.type()) {
                return provider.open(device.index());
            }
        }
        throw new UnsupportedOperationException("no backend for " + device
                + " on the class path (add jformer-kernels for CUDA)");
    }
}
