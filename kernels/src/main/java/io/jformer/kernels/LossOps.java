package io.jformer.kernels;

import io.jformer.tensor.CrossEntropyResult;
import io.jformer.tensor.DType;
import io.jformer.tensor.Reduction;
import io.jformer.tensor.Shape;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;

/** Fused cross-entropy forward and backward ({@code loss.cu}). */
final class LossOps {

    private final CudaRuntime rt;
    private final ElementwiseOps ew;
    private final IndexOps index;

    LossOps(CudaRuntime rt, ElementwiseOps ew, IndexOps index) {
        this.rt = rt;
        this.ew = ew;
        this.index = index;
    }

    /** Validates shapes and targets (read back to the host, as the CPU does); returns the number of counted rows. */
    private int check(Tensor logits, Tensor targets, int ignoreIndex) {
        Checks.floats("cross_entropy", rt.device, logits);
        Checks.i64("cross_entropy", rt.device, targets);
        if (logits.rank() != 2 || targets.rank() != 1 || targets.size(0) != logits.size(0)) {
            throw new ShapeMismatchException("cross_entropy: logits must be [N, C] and targets [N]; got logits "
                    + logits.shape() + " and targets " + targets.shape());
        }
        int c = logits.size(1);
        long[] t = index.hostLongs(targets);
        int counted = 0;
        for (int i = 0; i < t.length; i++) {
            if (t[i] != ignoreIndex) {
                if (t[i] < 0 || t[i] >= c) {
                    throw new IndexOutOfBoundsException("cross_entropy: target " + t[i] + " at position " + i
                            + " out of range for " + c + " classes");
                }
                counted++;
            }
        }
        return counted;
    }

    CrossEntropyResult crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Reduction reduction) {
        int counted = check(logits, targets, ignoreIndex);
        Tensor x = ew.contiguous(logits);
        Tensor t = ew.contiguous(targets);
        int n = x.size(0);
        int c = x.size(1);
        Tensor loss = rt.empty(Shape.of(n), DType.F32);
        Tensor lse = rt.empty(Shape.of(n), DType.F32);
        if (n > 0) {
            rt.launch("loss", "ce_fwd", LaunchConfig.perRow(n, c), x, x.dtype().ordinal(), x.offset(), n, c,
                    ew.packed(t, t.dtype()), (long) ignoreIndex, loss, lse);
        }
        Tensor reduced = switch (reduction) {
            case NONE -> loss;
            case SUM -> scalarSum(loss, n, 1f);
            case MEAN -> scalarSum(loss, n, counted);
        };
        return new CrossEntropyResult(reduced, lse);
    }

    private Tensor scalarSum(Tensor v, int n, float divisor) {
        Tensor out = rt.empty(Shape.scalar(), DType.F32);
        rt.launch("loss", "sum_to_scalar", new LaunchConfig(1, 1, 1, 256, 1, 1), v, n, divisor, out);
        return out;
    }

    Tensor crossEntropyBackward(Tensor dLoss, Tensor logits, Tensor targets, Tensor logSumExp, int ignoreIndex,
                                Reduction reduction) {
        int counted = check(logits, targets, ignoreIndex);
        Checks.floats("cross_entropy_backward", rt.device, dLoss, logSumExp);
        Tensor x = ew.contiguous(logits);
        int n = x.size(0);
        int c = x.size(1);
        int expected = reduction == Reduction.NONE ? n : 1;
        if (dLoss.numel() != expected) {
            throw new ShapeMismatchException("cross_entropy_backward: upstream gradient of shape " + dLoss.shape()
                    + " for " + reduction + " reduction over " + n + " rows");
        }
        Tensor g = ew.packed(dLoss, DType.F32);
        Tensor lse = ew.packed(logSumExp, DType.F32);
        Tensor t = ew.packed(targets, targets.dtype());
        Tensor dx = rt.empty(x.shape(), DType.F32);
        if (dx.numel() > 0) {
            rt.launch("loss", "ce_bwd", LaunchConfig.elementwise(dx.numel()), x, x.dtype().ordinal(), x.offset(), n, c,
                    t, (long) ignoreIndex, lse, g, reduction.ordinal(), counted, dx);
        }
        return dx;
    }

}
