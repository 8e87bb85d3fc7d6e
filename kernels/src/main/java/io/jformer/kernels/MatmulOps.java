package io.jformer.kernels;

import io.jformer.tensor.DType;
import io.jformer.tensor.OpShapes;
import io.jformer.tensor.Shape;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;


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
        OpShapes.Matmul p = OpShapes.matmul(a, b);
        if (bias != null && (bias.rank() != 1 || bias.size(0) != p.n())) {
            throw new ShapeMismatchException("matmul: bias of shape " + bias.shape() + " does not match " + p.n()
                    + " output columns");
        }
        boolean half = a.dtype() == DType.F16 && b.dtype() == DType.F16;
        Tensor out = rt.empty(p.productShape(), half ? outType : DType.F32);
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
        return p.result(out);
    }

    private Tensor epilogue(Tensor out, Tensor bias, Activation act) {
        Tensor r = bias == null ? out : ew.binary(io.jformer.tensor.BinaryOp.ADD, out, bias);
        return switch (act) {
            case NONE -> r;
            case GELU -> ew.unary(io.jformer.tensor.UnaryOp.GELU, r);
            case GELU_TANH -> ew.unary(io.jformer.tensor.UnaryOp.GELU_TANH, r);
        };
    }

    private void tensorCore(OpShapes.Matmul p, int count, Tensor bias, Activation act, Tensor out) {
        checkBatch(count);
        int[] aOffs = OpShapes.batchOffsets(p.a(), p.batch());
        int[] bOffs = OpShapes.batchOffsets(p.b(), p.batch());
        int sam = p.a().stride(-2);
        int sak = p.a().stride(-1);
        int sbk = p.b().stride(-2);
        int sbn = p.b().stride(-1);
        // 16-byte vector loads need unit k-stride and every row start on a multiple of 8 halves.
        boolean aVec = sak == 1 && (sam % 8 == 0 || p.m() == 1) && allMultipleOf8(aOffs);
        boolean bVec = sbk == 1 && (sbn % 8 == 0 || p.n() == 1) && allMultipleOf8(bOffs);
        CudaStorage ao = rt.constantInts(aOffs);
        CudaStorage bo = rt.constantInts(bOffs);
        Tensor biasC = bias == null ? null : ew.packed(bias, DType.F32);
        int tileM = tensorCoreTileRows(p.m(), p.n(), count, rt.multiprocessors);
        rt.launch("matmul_f16", tileM == 128 ? "hgemm_mma" : "hgemm_mma_m64",
                LaunchConfig.tiles(p.m(), p.n(), tileM, 128, count, 256),
                p.m(), p.n(), p.k(), p.a(), ao, sam, sak, aVec ? 1 : 0, p.b(), bo, sbk, sbn, bVec ? 1 : 0,
                biasC, act.ordinal(), out, out.dtype().ordinal());
    }

    /**
     * Rows of the tensor-core kernel's block tile: 128, or 64 when 128-row tiles would leave streaming
     * multiprocessors idle (fewer tiles than SMs, as BERT's 2048 x 768 outputs make on an H200), at the price of
     * reading B twice as often. {@link #forcedTileRows} overrides it so the kernel checks cover both variants.
     */
    static int tensorCoreTileRows(int m, int n, int batch, int multiprocessors) {
        if (forcedTileRows != 0) {
            return forcedTileRows;
        }
        long tiles = LaunchConfig.ceilDiv(m, 128) * LaunchConfig.ceilDiv(n, 128) * batch;
        return tiles < multiprocessors ? 64 : 128;
    }

    /** 0 to choose by size; 64 or 128 to force a tile height (the GPU checks run each). */
    static volatile int forcedTileRows;

    private void fp32(OpShapes.Matmul p, int count, Tensor out) {
        Tensor a = p.a().dtype() == DType.F32 ? p.a() : widen(p.a());
        Tensor b = p.b().dtype() == DType.F32 ? p.b() : widen(p.b());
        if (cublas != null && count == 1 && cublas.sgemm(a, b, out, p.m(), p.n(), p.k())) {
            return;
        }
        checkBatch(count);
        int[] aOffs = OpShapes.batchOffsets(a, p.batch());
        int[] bOffs = OpShapes.batchOffsets(b, p.batch());
        rt.launch("matmul_f32", "sgemm_strided", LaunchConfig.tiles(p.m(), p.n(), 64, 64, count, 256),
                p.m(), p.n(), p.k(), a, rt.constantInts(aOffs), a.stride(-2), a.stride(-1), b, rt.constantInts(bOffs),
                b.stride(-2), b.stride(-1), out);
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
}
