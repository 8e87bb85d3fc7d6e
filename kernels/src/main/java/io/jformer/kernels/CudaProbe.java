package io.jformer.kernels;

import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Whether the CUDA driver and a device are usable here, and if not, one line saying why. Touching
 * {@code JCudaDriver} without a driver throws {@link UnsatisfiedLinkError} the first time and
 * {@link NoClassDefFoundError} after, so the answer is computed once and cached.
 */
final class CudaProbe {

    /** The minimum compute capability: the PTX targets sm_90. */
    static final int MIN_MAJOR = 9;

    /** The outcome: usable, or the reason not, with the device count when the driver answered. */
    record Result(boolean usable, String reason, int deviceCount) {
    }

    private static volatile Result cached; // a cache: the driver's presence does not change within a process

    private CudaProbe() {
    }

    static Result driver() {
        Result r = cached;
        if (r == null) {
            synchronized (CudaProbe.class) {
                if (cached == null) {
                    cached = probeDriver();
                }
                r = cached;
            }
        }
        return r;
    }

    private static Result probeDriver() {
        try {
            JCudaDriver.setExceptionsEnabled(false);
            int rc = JCudaDriver.cuInit(0);
            if (rc != CUresult.CUDA_SUCCESS) {
                return new Result(false, rc == CUresult.CUDA_ERROR_NO_DEVICE
                        ? "no CUDA device (cuInit: CUDA_ERROR_NO_DEVICE)"
                        : "cuInit failed: " + CUresult.stringFor(rc), 0);
            }
            int[] count = new int[1];
            rc = JCudaDriver.cuDeviceGetCount(count);
            if (rc != CUresult.CUDA_SUCCESS || count[0] == 0) {
                return new Result(false, "no CUDA device (cuDeviceGetCount: " + CUresult.stringFor(rc) + ", "
                        + count[0] + " devices)", 0);
            }
            return new Result(true, null, count[0]);
        } catch (Throwable t) {
            return new Result(false, explain(t), 0);
        }
    }

    /** Checks that device {@code index} exists and can run sm_90 PTX; null when it can, else the reason. */
    static String checkDevice(int index) {
        Result r = driver();
        if (!r.usable()) {
            return r.reason();
        }
        if (index >= r.deviceCount()) {
            return "CUDA device " + index + " does not exist (" + r.deviceCount() + " device"
                    + (r.deviceCount() == 1 ? "" : "s") + " found)";
        }
        try {
            CUdevice dev = new CUdevice();
            Cuda.check(JCudaDriver.cuDeviceGet(dev, index), "cuDeviceGet");
            int[] major = new int[1];
            int[] minor = new int[1];
            Cuda.check(JCudaDriver.cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev), "cuDeviceGetAttribute");
            Cuda.check(JCudaDriver.cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev), "cuDeviceGetAttribute");
            if (major[0] < MIN_MAJOR) {
                return "CUDA device " + index + " has compute capability " + major[0] + "." + minor[0]
                        + "; jformer's kernels are built for sm_90 (Hopper) or newer";
            }
            return null;
        } catch (Throwable t) {
            return explain(t);
        }
    }

    /** One line for a failure to load or call the driver. */
    static String explain(Throwable t) {
        String all = chain(t);
        if (all.contains("libcuda")) {
            return "libcuda.so.1 not found (no NVIDIA driver)";
        }
        if (t instanceof UnsatisfiedLinkError || t instanceof NoClassDefFoundError) {
            return "JCuda's native driver library could not be loaded (" + firstLine(all) + ")";
        }
        return firstLine(all);
    }

    private static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }

    private static String firstLine(String s) {
        String line = s.strip().split("\\R", 2)[0];
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
