package io.jformer.tensor.cpu;

import io.jformer.tensor.OpShapes;
import io.jformer.tensor.Tensor;

/**
 * {@code torch.matmul} semantics on top of {@link Sgemm}: 1-D operands, broadcast batch dimensions, and any
 * strides in the matrix dimensions (a transposed view is read in place by the packing routines).
 */
final class MatmulDispatch {

    private MatmulDispatch() {
    }

    static Tensor matmul(WorkerPool pool, Tensor a, Tensor b) {
        CpuBackend.requireF32("matmul", a, b);
        OpShapes.Matmul p = OpShapes.matmul(a, b);
        int m = p.m();
        int n = p.n();
        int k = p.k();
        Tensor out = CpuBackend.newF32(p.productShape());
        float[] c = CpuBackend.floats(out);
        float[] av = CpuBackend.floats(a);
        float[] bv = CpuBackend.floats(b);
        Tensor ae = p.a();
        Tensor be = p.b();
        int batchCount = p.batch().numel();
        if (batchCount == 1) {
            Sgemm.gemm(pool, m, n, k, av, ae.offset(), ae.stride(-2), ae.stride(-1),
                    bv, be.offset(), be.stride(-2), be.stride(-1), c, 0, n, false);
        } else {
            Sgemm.gemmBatched(pool, batchCount, m, n, k, av, OpShapes.batchOffsets(ae, p.batch()), ae.stride(-2), ae.stride(-1),
                    bv, OpShapes.batchOffsets(be, p.batch()), be.stride(-2), be.stride(-1), c, outputOffsets(batchCount, m * n),
                    n, false);
        }
        return p.result(out);
    }

    private static int[] outputOffsets(int count, int size) {
        int[] offsets = new int[count];
        for (int i = 0; i < count; i++) {
            offsets[i] = i * size;
        }
        return offsets;
    }
}
