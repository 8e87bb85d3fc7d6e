package io.jformer.kernels;

import io.jformer.tensor.DType;
import io.jformer.tensor.Device;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.cpu.CpuStorage;

import java.util.List;

/**
 * The CPU definition of {@link CudaAmpOps}: plain loops over contiguous F32 host tensors, the reference the
 * GPU kernels are tested against (and usable as the CPU implementation until the op set has these ops).
 */
public final class AmpReference {

    private AmpReference() {
    }

    /** Multiplies every gradient by {@code factor} in place; true when any element was inf or NaN before. */
    public static boolean unscaleAndCheck(List<Tensor> grads, float factor) {
        boolean found = false;
        for (Tensor g : grads) {
            float[] a = data(g);
            for (int i = g.offset(); i < g.offset() + g.numel(); i++) {
                found |= !Float.isFinite(a[i]);
                a[i] *= factor;
            }
        }
        return found;
    }

    /** {@code sqrt(sum of squares)} over every element of every tensor, accumulated in double. */
    public static double globalNorm(List<Tensor> grads) {
        double total = 0;
        for (Tensor g : grads) {
            float[] a = data(g);
            double s = 0;
            for (int i = g.offset(); i < g.offset() + g.numel(); i++) {
                s += (double) a[i] * a[i];
            }
            total += s;
        }
        return Math.sqrt(total);
    }

    private static float[] data(Tensor g) {
        if (!g.device().equals(Device.CPU) || g.dtype() != DType.F32 || !g.isContiguous()) {
            throw new IllegalArgumentException("expected a contiguous F32 CPU tensor, got " + g.dtype() + " " + g.shape()
                    + " on " + g.device());
        }
        return ((CpuStorage) g.storage()).floats();
    }
}
