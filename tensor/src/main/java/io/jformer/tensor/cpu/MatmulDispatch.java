package io.jformer.tensor.cpu;

import io.jformer.tensor.Shape;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;

import java.util.Arrays;

/**
 * {@code torch.matmul} semantics on top of {@link Sgemm}: 1-D operands, broadcast batch dimensions, and any
 * strides in the matrix dimensions (a transposed view is read in place by the packing routines).
 */
final class MatmulDispatch {

    private MatmulDispatch() {
    }

    static Tensor matmul(WorkerPool pool, Tensor a, Tensor b) {
        CpuBackend.requireF32("matmul", a, b);
        if (a.rank() == 0 || b.rank() == 0) {
            throw new ShapeMismatchException("matmul: both operands need at least one dimension, got shapes "
                    + a.shape() + " and " + b.shape());
        }
        boolean vectorA = a.rank() == 1;
        boolean vectorB = b.rank() == 1;
        Tensor a2 = vectorA ? a.unsqueeze(0) : a;
        Tensor b2 = vectorB ? b.unsqueeze(1) : b;
        int m = a2.size(-2);
        int k = a2.size(-1);
        int n = b2.size(-1);
        if (b2.size(-2) != k) {
            throw new ShapeMismatchException("matmul: shapes " + a.shape() + " and " + b.shape()
                    + " do not fit: inner dimensions " + k + " and " + b2.size(-2) + " differ");
        }
        Shape batchA = Shape.of(Arrays.copyOf(a2.shape().toArray(), a2.rank() - 2));
        Shape batchB = Shape.of(Arrays.copyOf(b2.shape().toArray(), b2.rank() - 2));
        if (!broadcastable(batchA, batchB)) {
            throw new ShapeMismatchException("matmul: shapes " + a.shape() + " and " + b.shape()
                    + " do not fit: batch dimensions " + batchA + " and " + batchB + " cannot be broadcast");
        }
        Shape batch = Shape.broadcast("matmul (batch dimensions)", batchA, batchB);
        int[] outDims = Arrays.copyOf(batch.toArray(), batch.rank() + 2);
        outDims[batch.rank()] = m;
        outDims[batch.rank() + 1] = n;
        Tensor out = CpuBackend.newF32(Shape.of(outDims));
        float[] c = CpuBackend.floats(out);
        float[] av = CpuBackend.floats(a2);
        float[] bv = CpuBackend.floats(b2);
        int batchCount = batch.numel();
        Tensor ae = a2.expand(withMatrix(batch, m, k));
        Tensor be = b2.expand(withMatrix(batch, k, n));
        if (batchCount == 1) {
            Sgemm.gemm(pool, m, n, k, av, ae.offset(), ae.stride(-2), ae.stride(-1),
                    bv, be.offset(), be.stride(-2), be.stride(-1), c, 0, n, false);
        } else {
            Sgemm.gemmBatched(pool, batchCount, m, n, k, av, batchOffsets(ae, batch), ae.stride(-2), ae.stride(-1),
                    bv, batchOffsets(be, batch), be.stride(-2), be.stride(-1), c, outputOffsets(batchCount, m * n), n,
                    false);
        }
        Tensor result = out;
        if (vectorA) {
            result = result.squeeze(-2);
        }
        if (vectorB) {
            result = result.squeeze(-1);
        }
        return result;
    }

    /** NumPy broadcasting compatibility: trailing dimensions equal or 1. */
    private static boolean broadcastable(Shape x, Shape y) {
        for (int i = 1; i <= Math.min(x.rank(), y.rank()); i++) {
            int dx = x.dim(-i);
            int dy = y.dim(-i);
            if (dx != dy && dx != 1 && dy != 1) {
                return false;
            }
        }
        return true;
    }

    private static int[] withMatrix(Shape batch, int rows, int cols) {
        int[] dims = Arrays.copyOf(batch.toArray(), batch.rank() + 2);
        dims[batch.rank()] = rows;
        dims[batch.rank() + 1] = cols;
        return dims;
    }

    /** Storage offset of each matrix in a (possibly broadcast) batch, in row-major batch order. */
    private static int[] batchOffsets(Tensor t, Shape batch) {
        int count = batch.numel();
        int[] offsets = new int[count];
        int[] idx = new int[batch.rank()];
        for (int i = 0; i < count; i++) {
            int o = t.offset();
            for (int d = 0; d < idx.length; d++) {
                o += idx[d] * t.stride(d);
            }
            offsets[i] = o;
            for (int d = idx.length - 1; d >= 0; d--) {
                if (++idx[d] < batch.dim(d)) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return offsets;
    }

    private static int[] outputOffsets(int count, int size) {
        int[] offsets = new int[count];
        for (int i = 0; i < count; i++) {
            offsets[i] = i * size;
        }
        return offsets;
    }
}
