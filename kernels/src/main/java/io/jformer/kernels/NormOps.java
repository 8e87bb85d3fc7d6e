package io.jformer.kernels;

import io.jformer.tensor.DType;
import io.jformer.tensor.LayerNormGradients;
import io.jformer.tensor.LayerNormResult;
import io.jformer.tensor.Shape;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;

import java.util.Arrays;

/** Softmax and layer norm, forward and backward ({@code softmax.cu}, {@code layernorm.cu}); fp32 math throughout. */
final class NormOps {

    /** Rows per chunk of the layer-norm weight/bias gradient partial sums. */
    static final int LN_CHUNK_ROWS = 64;

    private final CudaRuntime rt;
    private final ElementwiseOps ew;

    NormOps(CudaRuntime rt, ElementwiseOps ew) {
        this.rt = rt;
        this.ew = ew;
    }

    Tensor softmax(Tensor x, int dim, double scale, Tensor mask, boolean log, DType outType) {
        String name = log ? "log_softmax" : "softmax";
        Checks.floats(name, rt.device, x, mask);
        int d = x.shape().normalize(dim);
        Tensor maskT = null;
        if (mask != null) {
            Shape joint = Shape.broadcast(name + " mask", x.shape(), mask.shape());
            if (!joint.equals(x.shape())) {
                throw new ShapeMismatchException(name + ": mask of shape " + mask.shape()
                        + " does not broadcast to input shape " + x.shape());
            }
            maskT = mask.broadcastTo(x.shape()).transpose(d, -1);
        }
        Tensor xt = x.transpose(d, -1);
        Tensor outT = rt.empty(xt.shape(), outType);
        int len = xt.rank() == 0 ? 1 : xt.size(-1);
        int rows = len == 0 ? 0 : xt.numel() / len;
        if (rows > 0) {
            int[] layout = Layouts.rowLayout(xt.shape(), xt, maskT, null);
            Layouts.setRowDtype(layout, 2, outType.ordinal());
            rt.launch("softmax", "softmax_fwd", LaunchConfig.perRow(rows, len), layout, rows, len, (float) scale,
                    log ? 1 : 0, xt, maskT, outT);
        }
        return d == x.rank() - 1 || x.rank() == 0 ? outT : ew.contiguous(outT.transpose(d, -1));
    }

    Tensor softmaxBackward(Tensor y, Tensor dy, int dim, double scale, boolean log) {
        String name = log ? "log_softmax_backward" : "softmax_backward";
        Checks.floats(name, rt.device, y, dy);
        Checks.sameShape(name, y, dy);
        int d = y.shape().normalize(dim);
        Tensor yt = y.transpose(d, -1);
        Tensor dyt = dy.transpose(d, -1);
        Tensor outT = rt.empty(yt.shape(), DType.F32);
        int len = yt.size(-1);
        int rows = len == 0 ? 0 : yt.numel() / len;
        if (rows > 0) {
            int[] layout = Layouts.rowLayout(yt.shape(), yt, dyt);
            rt.launch("softmax", "softmax_bwd", LaunchConfig.perRow(rows, len), layout, rows, len, (float) scale,
                    log ? 1 : 0, yt, dyt, outT);
        }
        return d == y.rank() - 1 ? outT : ew.contiguous(outT.transpose(d, -1));
    }

    LayerNormResult layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, DType outType) {
        Checks.floats("layer_norm", rt.device, x, weight, bias);
        if (x.rank() == 0) {
            throw new ShapeMismatchException("layer_norm: input must have at least one dimension, got a scalar");
        }
        int d = x.size(-1);
        checkNormParam("weight", weight, x);
        checkNormParam("bias", bias, x);
        Tensor xc = ew.contiguous(x);
        Tensor w = weight == null ? null : ew.packed(weight, DType.F32);
        Tensor b = bias == null ? null : ew.packed(bias, DType.F32);
        int rows = d == 0 ? 0 : x.numel() / d;
        Shape stat = Shape.of(Arrays.copyOf(x.shape().toArray(), x.rank() - 1));
        Tensor y = rt.empty(x.shape(), outType);
        Tensor mean = rt.empty(stat, DType.F32);
        Tensor rstd = rt.empty(stat, DType.F32);
        if (rows > 0) {
            rt.launch("layernorm", "layernorm_fwd", LaunchConfig.perRow(rows, d), xc, xc.dtype().ordinal(),
                    xc.offset(), w, b, rows, d, (float) eps, y, outType.ordinal(), mean, rstd);
        }
        return new LayerNormResult(y, mean, rstd);
    }

    LayerNormGradients layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd) {
        Checks.floats("layer_norm_backward", rt.device, dy, x, weight, mean, rstd);
        Checks.sameShape("layer_norm_backward", x, dy);
        checkNormParam("weight", weight, x);
        int d = x.size(-1);
        int rows = d == 0 ? 0 : x.numel() / d;
        Tensor xc = ew.contiguous(x);
        Tensor dyc = ew.contiguous(dy);
        Tensor w = weight == null ? null : ew.packed(weight, DType.F32);
        Tensor mu = ew.packed(mean, DType.F32);
        Tensor rs = ew.packed(rstd, DType.F32);
        Tensor dx = rt.empty(x.shape(), DType.F32);
        Tensor dw = rt.empty(Shape.of(d), DType.F32);
        Tensor db = rt.empty(Shape.of(d), DType.F32);
        if (rows == 0) {
            ew.fill(dw, 0);
            ew.fill(db, 0);
            return new LayerNormGradients(dx, dw, db);
        }
        rt.launch("layernorm", "layernorm_bwd_dx", LaunchConfig.perRow(rows, d), dyc, dyc.dtype().ordinal(),
                dyc.offset(), xc, xc.dtype().ordinal(), xc.offset(), w, mu, rs, rows, d, dx);
        int chunks = (int) LaunchConfig.ceilDiv(rows, LN_CHUNK_ROWS);
        try (CudaStorage pw = rt.allocate(DType.F32, chunks * d); CudaStorage pb = rt.allocate(DType.F32, chunks * d)) {
            rt.launch("layernorm", "layernorm_bwd_partial",
                    new LaunchConfig((int) LaunchConfig.ceilDiv(d, 256), chunks, 1, 256, 1, 1), dyc,
                    dyc.dtype().ordinal(), dyc.offset(), xc, xc.dtype().ordinal(), xc.offset(), mu, rs, rows, d,
                    LN_CHUNK_ROWS, pw, pb);
            columnSum(new Tensor(pw, Shape.of(chunks, d)), dw);
            columnSum(new Tensor(pb, Shape.of(chunks, d)), db);
        }
        return new LayerNormGradients(dx, dw, db);
    }

    private void columnSum(Tensor partial, Tensor out) {
        int len = partial.size(0);
        int cols = partial.size(1);
        rt.launch("reduce", "reduce_cols", new LaunchConfig((int) LaunchConfig.ceilDiv(cols, 32), 1, 1, 32, 8, 1),
                partial, DType.F32.ordinal(), 0, len, cols, 0, 1f, out);
    }

    private static void checkNormParam(String what, Tensor p, Tensor x) {
        if (p != null && (p.rank() != 1 || p.size(0) != x.size(-1))) {
            throw new ShapeMismatchException("layer_norm: " + what + " of shape " + p.shape()
                    + " does not match the last dimension of input shape " + x.shape());
        }
    }

}
