package io.jformer.kernels;

import io.jformer.tensor.DType;
import io.jformer.tensor.OpShapes;
import io.jformer.tensor.ReduceOp;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;


/**
 * Reductions and argmax ({@code reduce.cu}). Reduced dimensions are permuted to the end and made contiguous
 * (rows), except when they already lead a contiguous tensor (a bias gradient's batch sum), which is reduced
 * over columns in place. Very long rows take a two-pass split so a full reduction uses the whole device.
 */
final class ReductionOps {

    /** Rows at least this long, when there are few of them, are split into parts reduced in parallel. */
    static final int SPLIT_LEN = 1 << 16;
    static final int SPLIT_MAX_ROWS = 64;

    private final CudaRuntime rt;
    private final ElementwiseOps ew;

    ReductionOps(CudaRuntime rt, ElementwiseOps ew) {
        this.rt = rt;
        this.ew = ew;
    }

    private static int code(ReduceOp op) {
        return switch (op) {
            case SUM, MEAN -> 0;
            case MAX -> 1;
            case MIN -> 2;
        };
    }

    Tensor reduce(ReduceOp op, Tensor x, int[] dims, boolean keepDim) {
        String name = op.name().toLowerCase();
        Checks.floats(name, rt.device, x);
        OpShapes.Reduce plan = OpShapes.reduce(op, x.shape(), dims);
        int rows = plan.rows();
        int len = plan.len();
        Tensor out = rt.empty(plan.outShape(), DType.F32);
        float divisor = op == ReduceOp.MEAN ? len : 1f;
        if (rows > 0) {
            if (len == 0) {
                ew.fill(out, op == ReduceOp.MEAN ? Float.NaN : 0.0); // the CPU's 0/0 for an empty mean
            } else if (plan.leadingOnly() && x.isContiguous()) {
                rt.launch("reduce", "reduce_cols", new LaunchConfig((int) LaunchConfig.ceilDiv(rows, 32), 1, 1, 32, 8, 1),
                        x, x.dtype().ordinal(), x.offset(), len, rows, code(op), divisor, out);
            } else {
                Tensor rowMajor = ew.contiguous(x.permute(plan.order()));
                reduceRows(rowMajor, rows, len, code(op), divisor, out);
            }
        }
        return keepDim ? out.reshape(plan.keptShape().toArray()) : out;
    }

    /** out[r] = op over row r of the contiguous [rows, len] tensor {@code x}, divided by {@code divisor}. */
    void reduceRows(Tensor x, int rows, int len, int op, float divisor, Tensor out) {
        if (rows <= SPLIT_MAX_ROWS && len >= SPLIT_LEN) {
            int parts = (int) Math.min(1024, LaunchConfig.ceilDiv(len, 8192));
            int chunk = (int) LaunchConfig.ceilDiv(len, parts);
            Tensor partial = rt.empty(Shape.of(rows, parts), DType.F32);
            rt.launch("reduce", "reduce_rows", new LaunchConfig(rows, parts, 1, 256, 1, 1), x, x.dtype().ordinal(),
                    x.offset(), rows, len, parts, chunk, op, 1f, partial);
            rt.launch("reduce", "reduce_rows", LaunchConfig.perRow(rows, parts), partial, DType.F32.ordinal(), 0, rows,
                    parts, 1, parts, op, divisor, out);
        } else {
            rt.launch("reduce", "reduce_rows", LaunchConfig.perRow(rows, len), x, x.dtype().ordinal(), x.offset(), rows,
                    len, 1, len, op, divisor, out);
        }
    }

    Tensor argmax(Tensor x, int dim, boolean keepDim) {
        Checks.floats("argmax", rt.device, x);
        int d = x.shape().normalize(dim);
        if (x.size(d) == 0) {
            throw new IllegalArgumentException("argmax: dimension " + d + " of shape " + x.shape() + " is empty");
        }
        Tensor rowMajor = ew.contiguous(x.transpose(d, -1));
        int len = x.size(d);
        int rows = x.numel() / len;
        int[] dims = rowMajor.shape().toArray();
        dims[dims.length - 1] = 1;
        Tensor idx = rt.empty(Shape.of(dims), DType.I64);
        if (rows > 0) {
            rt.launch("reduce", "argmax_rows", LaunchConfig.perRow(rows, len), rowMajor, rowMajor.dtype().ordinal(),
                    rowMajor.offset(), rows, len, idx);
        }
        Tensor out = ew.contiguous(idx.transpose(d, -1));
        return keepDim ? out : out.squeeze(d);
    }

}
