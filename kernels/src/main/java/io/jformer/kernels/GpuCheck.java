package io.jformer.kernels;

import io.jformer.tensor.Backends;
import io.jformer.tensor.Device;

import java.util.Map;

/**
 * The GPU acceptance run for a bare machine (no Maven, no JUnit): every kernel check against the CPU backend,
 * then a throughput table against the device's ceilings and, where PyTorch is installed, against PyTorch.
 * Exits 1 on any mismatch, 2 when no GPU can be used. Run by {@code scripts/gpu-check.sh}.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp ... io.jformer.kernels.GpuCheck [--no-bench]}
 */
public final class GpuCheck {

    private GpuCheck() {
    }

    public static void main(String[] args) {
        boolean bench = !java.util.Arrays.asList(args).contains("--no-bench");
        String reason = CudaBackendProvider.unavailableReason(0);
        if (reason != null) {
            System.out.println("GPU check not run: " + reason);
            System.exit(2);
        }
        CudaBackend gpu = (CudaBackend) Backends.forDevice(Device.cuda(0));
        System.out.println("device: " + gpu.deviceName());
        int failed = 0;
        int total = 0;
        Map<String, Runnable> checks = new KernelChecks(gpu, Backends.cpu(), System.nanoTime()).all();
        for (Map.Entry<String, Runnable> e : checks.entrySet()) {
            total++;
            long t0 = System.nanoTime();
            try {
                e.getValue().run();
                gpu.synchronize();
                System.out.printf("PASS  %-55s %7.1f ms%n", e.getKey(), (System.nanoTime() - t0) / 1e6);
            } catch (Throwable t) {
                failed++;
                System.out.printf("FAIL  %-55s %s%n", e.getKey(), t);
                if (!(t instanceof AssertionError)) {
                    t.printStackTrace(System.out);
                }
            }
        }
        System.out.println((total - failed) + " of " + total + " kernel checks passed; allocator: " + gpu.memoryStats());
        gpu.setPoisonAllocations(false);
        if (bench) {
            try {
                new KernelBench(gpu).run(System.out);
            } catch (Throwable t) {
                System.out.println("benchmark failed: " + t);
                t.printStackTrace(System.out);
                failed++;
            }
        }
        System.exit(failed == 0 ? 0 : 1);
    }
}
