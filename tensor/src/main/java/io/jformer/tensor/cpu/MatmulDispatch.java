package io.jformer.tensor.cpu;

import io.jformer.tensor.OpShapes;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.UnaryOp;

/**
 * {@code torch.matmul} semantics on top of {@link Sgemm}: 1-D operands, broadcast batch dimensions, and any
 * strides in the matrix dimensions (a transposed view is read in place by the packing routines).
 */
final class MatmulDispatch {

    private MatmulDispatch() {
    }

    static Tensor matmul(WorkerPool pool, Tensor a, Tensor b) {
        return product(pool, "matmul", a, b, null, null);
    }

    /**
     * {@code x·weightᵀ + bias}. When the batch folds into the rows of one GEMM (a contiguous activation, as a
     * linear layer always gets) the bias is where the GEMM's sums start; otherwise the products are made and the
     * bias added to them.
     */
    static Tensor linear(WorkerPool pool, Tensor x, Tensor weight, Tensor bias, UnaryOp activation) {
        OpShapes.linear(x, weight, bias);
        if (bias != null) {
            CpuBackend.requireF32("linear", bias);
        }
        return product(pool, "linear", x, weight.transpose(0, 1), bias == null ? null : bias.contiguous(),
                activation);
    }

    /**
     * {@code a·b}, plus {@code bias} (contiguous, one value per column) when not null, then {@code activation}
     * of every element when not null (in the GEMM's epilogue when the batch folds into its rows).
     */
    private static Tensor product(WorkerPool pool, String op, Tensor a, Tensor b, Tensor bias,
            UnaryOp activation) {
        CpuBackend.requireF32(op, a, b);
        OpShapes.Matmul p = OpShapes.matmul(a, b);
        int m = p.m();
        int n = p.n();
        int k = p.k();
        Tensor out = CpuBackend.outputF32(p.productShape());
        float[] c = CpuBackend.floats(out);
        float[] av = CpuBackend.floats(a);
        float[] bv = CpuBackend.floats(b);
        Tensor ae = p.a();
        Tensor be = p.b();
        int batchCount = p.batch().numel();
        int rowStride = foldedRowStride(ae, be);
        if (rowStride >= 0) {
            Sgemm.gemm(pool, batchCount * m, n, k, av, ae.offset(), rowStride, ae.stride(-1),
                    bv, be.offset(), be.stride(-2), be.stride(-1), c, 0, n, false,
                    bias == null ? null : CpuBackend.floats(bias), bias == null ? 0 : bias.offset(), activation);
        } else {
            Sgemm.gemmBatched(pool, batchCount, m, n, k, av, OpShapes.batchOffsets(ae, p.batch()), ae.stride(-2), ae.stride(-1),
                    bv, OpShapes.batchOffsets(be, p.batch()), be.stride(-2), be.stride(-1), c, outputOffsets(batchCount, m * n),
                    n, false);
            if (bias != null) {
                out.addInPlace(bias);
            }
            if (activation != null) {
                CpuBackend.unaryInto(pool, activation, out, out);
            }
        }
        return p.result(out);
    }

    /**
     * The row stride of one GEMM whose rows are every batch entry's rows in order, when every product shares one
     * B (broadcast over the batch, as a linear layer's weight is) and A's batch and row dimensions walk its
     * storage with a single stride; otherwise -1. Multiplying {@code [16, 128, 768]} by a shared
     * {@code [768, 768]} as one 2048-row product packs B once instead of sixteen times and gives the blocking a
     * tall enough M to keep both cores busy. Dimensions of size one take no part, so one row per entry sliced
     * from a longer sequence ({@code x[:, 0:1]}, the [CLS] rows) folds too, its rows the batch stride apart:
     * unfolded, that projection packed its weight once per entry (MiniLM, 16 entries: 1.3 ms a call).
     */
    static int foldedRowStride(Tensor a, Tensor b) {
        int batchRank = a.rank() - 2;
        for (int d = 0; d < batchRank; d++) {
            if (b.stride(d) != 0 && b.size(d) != 1) {
                return -1;
            }
        }
        int rowStride = -1;
        long expected = 0;
        for (int d = a.rank() - 2; d >= 0; d--) {
            if (a.size(d) == 1) {
                continue;
            }
            if (rowStride < 0) {
                rowStride = a.stride(d);
            } else if (a.stride(d) != expected) {
                return -1;
            }
            expected = (long) a.stride(d) * a.size(d);
        }
        return rowStride < 0 ? a.stride(-2) : rowStride;
    }

    private static int[] outputOffsets(int count, int size) {
        int[] offsets = new int[count];
        for (int i = 0; i < count; i++) {
            offsets[i] = i * size;
        }
        return offsets;
    }
}
