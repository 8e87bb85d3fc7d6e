package io.jformer.kernels;

import io.jformer.tensor.DType;
import io.jformer.tensor.Tensor;

import java.util.List;

/**
 * Mixed-precision training helpers on the GPU, with {@link AmpReference} as their CPU definition:
 * <ul>
 *   <li>{@link #unscaleAndCheck}: PyTorch's {@code _amp_foreach_non_finite_check_and_unscale_}: multiply every
 *       gradient by {@code 1/scale} in place and report whether any was inf or NaN (the GradScaler then skips the
 *       step and halves the scale);</li>
 *   <li>{@link #globalNorm}: the L2 norm over all gradients, as {@code clip_grad_norm_} computes it;</li>
 *   <li>{@link #scale}: multiply in place (the clipping step).</li>
 * </ul>
 * Sums are in double and in a fixed order, so results repeat exactly.
 */
public final class CudaAmpOps {

    /** Blocks of the sum-of-squares first pass (a constant, so the summation order depends only on n). */
    static final int NORM_BLOCKS = 264;

    private final CudaRuntime rt;

    CudaAmpOps(CudaRuntime rt) {
        this.rt = rt;
    }

    /** Multiplies every gradient by {@code factor} in place; true when any element was inf or NaN before. */
    public boolean unscaleAndCheck(List<Tensor> grads, float factor) {
        try (CudaStorage flag = rt.allocate(DType.F32, 1)) {
            rt.zero(flag);
            for (Tensor g : grads) {
                requireF32Contiguous("unscale", g);
                if (g.numel() > 0) {
                    rt.launch("optim", "unscale_check", LaunchConfig.elementwise(g.numel()), g, g.offset(), g.numel(),
                            factor, flag);
                }
            }
            // The flag is an int 0/1 written through a float-typed storage: read its bits.
            float bits = rt.download(flag, 0, 1).floats()[0];
            return Float.floatToRawIntBits(bits) != 0;
        }
    }

    /** Multiplies every tensor by {@code factor} in place (no inf check). */
    public void scale(List<Tensor> grads, float factor) {
        try (CudaStorage flag = rt.allocate(DType.F32, 1)) {
            for (Tensor g : grads) {
                requireF32Contiguous("scale", g);
                if (g.numel() > 0) {
                    rt.launch("optim", "unscale_check", LaunchConfig.elementwise(g.numel()), g, g.offset(), g.numel(),
                            factor, flag);
                }
            }
        }
    }

    /** {@code sqrt(sum over tensors of sum of squares)}, accumulated in double. */
    public double globalNorm(List<Tensor> grads) {
        return Math.sqrt(sumOfSquares(grads));
    }

    /** The sum over tensors of the sum of their squared elements, accumulated in double. */
    public double sumOfSquares(List<Tensor> grads) {
        if (grads.isEmpty()) {
            return 0;
        }
        try (CudaStorage partial = rt.allocate(DType.I64, NORM_BLOCKS); // 8-byte slots for doubles
             CudaStorage perTensor = rt.allocate(DType.I64, grads.size())) {
            for (int i = 0; i < grads.size(); i++) {
                Tensor g = grads.get(i);
                requireF32Contiguous("global_norm", g);
                if (g.numel() == 0) {
                    rt.launch("optim", "sum_partials", new LaunchConfig(1, 1, 1, 32, 1, 1), partial, 0, perTensor, i);
                    continue;
                }
                int blocks = (int) Math.min(NORM_BLOCKS, LaunchConfig.ceilDiv(g.numel(), LaunchConfig.THREADS));
                rt.launch("optim", "sumsq_partial", new LaunchConfig(blocks, 1, 1, LaunchConfig.THREADS, 1, 1), g,
                        g.offset(), g.numel(), partial);
                rt.launch("optim", "sum_partials", new LaunchConfig(1, 1, 1, 256, 1, 1), partial, blocks, perTensor, i);
            }
            long[] sums = rt.download(perTensor, 0, grads.size()).longs();
            double total = 0;
            for (long bits : sums) {
                total += Double.longBitsToDouble(bits);
            }
            return total;
        }
    }

    private void requireF32Contiguous(String op, Tensor g) {
        Checks.onDevice(op, rt.device, g);
        if (g.dtype() != DType.F32 || !g.isContiguous()) {
            throw new IllegalArgumentException(op + ": gradients must be contiguous F32 tensors, got " + g.dtype() + " "
                    + g.shape());
        }
    }
}
