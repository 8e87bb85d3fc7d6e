package io.jformer.kernels;

import io.jformer.tensor.DType;
import io.jformer.tensor.Shape;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;

import java.util.Arrays;

/**
 * {@code torch.matmul} semantics on the GPU: 1-D operands, broadcast batch dimensions, any strides in the
 * matrix dimensions (transposed views are read in place). Two F16 operands take the tensor-core kernel
 * ({@code matmul_f16.cu}, fp32 accumulation); anything else runs in fp32 (cuBLAS where it loads, else
 * {@code matmul_f32.cu}), with F16/BF16 operands widened on the way in.
 */
final class MatmulOps {

    /** Output activation of the fused epilogue (the {@code act} argument of {@code hgemm_mma}). */
    enum Activation { NONE, GELU, GELU_TANH }

    private final CudaRuntime rt;
    private final ElementwiseOps ew;
    private final CublasSupport cublas;

    MatmulOps(CudaRuntime rt, ElementwiseOps ew) {
        this.rt = rt;
        this.ew = ew;
        this.cublas = CublasSupport.tryCreate(rt);
    }

    /** The problem after torch.matmul's shape rules: operands expanded to a common batch. */
    private record Problem(Tensor a, Tensor b, Shape batch, int m, int n, int k, boolean vectorA, boolean vectorB) {
    }

    private static Problem plan(Tensor a, Tensor b) {
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
        Shape batch = Shape.broadcast("matmul (batch dimensions)", batchA, batchB);
        return new Problem(a2.expand(withMatrix(batch, m, k)), b2.expand(withMatrix(batch, k, n)), batch, m, n, k,
                vectorA, vectorB);
    }

    Tensor matmul(Tensor a, Tensor b) {
        Checks.floats("matmul", rt.device, a, b);
        boolean half = a.dtype() == DType.F16 && b.dtype() == DType.F16;
        return run(a, b, null, Activation.NONE, half ? DType.F16 : DType.F32);
    }

    /**
     * {@code act(a · b + bias)} with the output in {@code outType}; F16 operands use tensor cores and the bias
     * and activation are fused into the kernel's epilogue.
     */
    Tensor run(Tensor a, Tensor b, Tensor bias, Activation act, DType outType) {
        Checks.floats("matmul", rt.device, a, b, bias);
        Problem p = plan(a, b);
        if (bias != null && (bias.rank() != 1 || bias.size(0) != p.n())) {
            throw new ShapeMismatchException("matmul: bias of shape " + bias.shape() + " does not match " + p.n()
                    + " output columns");
        }
        int[] outDims = withMatrix(p.batch(), p.m(), p.n());
        boolean half = a.dtype() == DType.F16 && b.dtype() == DType.F16;
        Tensor out = rt.empty(Shape.of(outDims), half ? outType : DType.F32);
        int count = p.batch().numel();
        if (out.numel() > 0) {
            if (p.k() == 0) {
                ew.fill(out, 0);
            } else if (half) {
                tensorCore(p, count, bias, act, out);
            } else {
                fp32(p, count, out);
            }
        }
        if (!half && (bias != null || act != Activation.NONE)) {
            out = epilogue(out, bias, act);
        }
        if (!half && outType != DType.F32) {
            Tensor converted = rt.empty(out.shape(), outType);
            ew.copy(out, converted);
            out = converted;
        }
        Tensor result = out;
        if (p.vectorA()) {
            result = result.squeeze(-2);
        }
        if (p.vectorB()) {
            result = result.squeeze(-1);
        }
        return result;
    }

    private Tensor epilogue(Tensor out, Tensor bias, Activation act) {
        Tensor r = bias == null ? out : ew.binary(io.jformer.tensor.BinaryOp.ADD, out, bias);
        return switch (act) {
            case NONE -> r;
            case GELU -> ew.unary(io.jformer.tensor.UnaryOp.GELU, r);
            case GELU_TANH -> ew.unary(io.jformer.tensor.UnaryOp.GELU_TANH, r);
        };
    }

    private void tensorCore(Problem p, int count, Tensor bias, Activation act, Tensor out) {
        checkBatch(count);
        int[] aOffs = batchOffsets(p.a(), p.batch());
        int[] bOffs = batchOffsets(p.b(), p.batch());
        int sam = p.a().stride(-2);
        int sak = p.a().stride(-1);
        int sbk = p.b().stride(-2);
        int sbn = p.b().stride(-1);
        // 16-byte vector loads need unit k-stride and every row start on a multiple of 8 halves.
        boolean aVec = sak == 1 && (sam % 8 == 0 || p.m() == 1) && allMultipleOf8(aOffs);
        boolean bVec = sbk == 1 && (sbn % 8 == 0 || p.n() == 1) && allMultipleOf8(bOffs);
        try (CudaStorage ao = rt.uploadInts(aOffs); CudaStorage bo = rt.uploadInts(bOffs)) {
            Tensor biasC = bias == null ? null : contiguousF32(bias);
            rt.launch("matmul_f16", "hgemm_mma", LaunchConfig.tiles(p.m(), p.n(), 128, 128, count, 256),
                    p.m(), p.n(), p.k(), p.a(), ao, sam, sak, aVec ? 1 : 0, p.b(), bo, sbk, sbn, bVec ? 1 : 0,
                    biasC, act.ordinal(), out, out.dtype().ordinal());
            // The offset arrays go back to the cache now but are reused only by later work on the same stream.
        }
    }

    private void fp32(Problem p, int count, Tensor out) {
        Tensor a = p.a().dtype() == DType.F32 ? p.a() : widen(p.a());
        Tensor b = p.b().dtype() == DType.F32 ? p.b() : widen(p.b());
        if (cublas != null && count == 1 && cublas.sgemm(a, b, out, p.m(), p.n(), p.k())) {
            return;
        }
        checkBatch(count);
        int[] aOffs = batchOffsets(a, p.batch());
        int[] bOffs = batchOffsets(b, p.batch());
        try (CudaStorage ao = rt.uploadInts(aOffs); CudaStorage bo = rt.uploadInts(bOffs)) {
            rt.launch("matmul_f32", "sgemm_strided", LaunchConfig.tiles(p.m(), p.n(), 64, 64, count, 256),
                    p.m(), p.n(), p.k(), a, ao, a.stride(-2), a.stride(-1), b, bo, b.stride(-2), b.stride(-1), out);
        }
    }

    /** An F32 copy of an F16/BF16 operand (a contiguous materialisation of its expanded view would be wasteful, so the batch is kept as strides). */
    private Tensor widen(Tensor t) {
        // Copy the un-broadcast source: stride-0 batch dimensions stay stride 0 after re-expanding.
        int[] st = t.strides();
        int[] dims = t.shape().toArray();
        int[] srcDims = dims.clone();
        for (int i = 0; i < dims.length; i++) {
            if (st[i] == 0) {
                srcDims[i] = 1;
            }
        }
        Tensor src = new Tensor(t.storage(), Shape.of(srcDims), st, t.offset());
        Tensor f = rt.empty(Shape.of(srcDims), DType.F32);
        ew.copy(src, f);
        return f.expand(dims);
    }

    private Tensor contiguousF32(Tensor t) {
        if (t.dtype() == DType.F32 && t.isContiguous() && t.offset() == 0) {
            return t;
        }
        Tensor c = rt.empty(t.shape(), DType.F32);
        ew.copy(t, c);
        return c;
    }

    private static boolean allMultipleOf8(int[] offs) {
        for (int o : offs) {
            if (o % 8 != 0) {
                return false;
            }
        }
        return true;
    }

    private static void checkBatch(int count) {
        if (count > LaunchConfig.MAX_GRID_YZ) {
            throw new IllegalArgumentException("matmul: batch of " + count + " matrices exceeds the kernel's limit of "
                    + LaunchConfig.MAX_GRID_YZ + "; reshape the batch into fewer, larger products");
        }
    }

    static int[] withMatrix(Shape batch, int rows, int cols) {
        int[] dims = Arrays.copyOf(batch.toArray(), batch.rank() + 2);
        dims[batch.rank()] = rows;
        dims[batch.rank() + 1] = cols;
        return dims;
    }

    /** Element offset of each matrix in a (possibly broadcast) batch, in row-major batch order. */
    static int[] batchOffsets(Tensor t, Shape batch) {
        int count = Math.max(1, batch.numel());
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
}
