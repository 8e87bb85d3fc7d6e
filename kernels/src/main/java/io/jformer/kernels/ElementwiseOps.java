package io.jformer.kernels;

import io.jformer.tensor.BinaryOp;
import io.jformer.tensor.CompareOp;
import io.jformer.tensor.DType;
import io.jformer.tensor.Distribution;
import io.jformer.tensor.HalfFloats;
import io.jformer.tensor.Shape;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.UnaryOp;

/** Elementwise ops, copy, fill and random fill ({@code elementwise.cu}, {@code random.cu}). */
final class ElementwiseOps {

    private static final int UNARY = 0;
    private static final int BINARY = 1;
    private static final int COMPARE = 2;
    private static final int WHERE = 3;
    private static final int UNARY_BACKWARD = 4;

    private final CudaRuntime rt;

    ElementwiseOps(CudaRuntime rt) {
        this.rt = rt;
    }

    private Tensor map(int kind, int op, Shape shape, Tensor... inputs) {
        Tensor out = rt.empty(shape, DType.F32);
        if (shape.numel() == 0) {
            return out;
        }
        Tensor[] operands = new Tensor[inputs.length + 1];
        operands[0] = out;
        System.arraycopy(inputs, 0, operands, 1, inputs.length);
        int[] layout = Layouts.layout4(shape, operands);
        rt.launch("elementwise", "ew_map", LaunchConfig.elementwise(shape.numel()), layout, kind, op, out,
                inputs[0], inputs.length > 1 ? inputs[1] : null, inputs.length > 2 ? inputs[2] : null);
        return out;
    }

    Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase();
        Checks.floats(name, rt.device, a, b);
        return map(BINARY, op.ordinal(), Shape.broadcast(name, a.shape(), b.shape()), a, b);
    }

    Tensor unary(UnaryOp op, Tensor x) {
        Checks.floats(op.name().toLowerCase(), rt.device, x);
        return map(UNARY, op.ordinal(), x.shape(), x);
    }

    Tensor unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy) {
        String name = op.name().toLowerCase() + "_backward";
        Checks.floats(name, rt.device, x, y, dy);
        Checks.sameShape(name, x, y);
        Checks.sameShape(name, x, dy);
        return map(UNARY_BACKWARD, op.ordinal(), x.shape(), x, y, dy);
    }

    Tensor compare(CompareOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase();
        Checks.floats(name, rt.device, a, b);
        return map(COMPARE, op.ordinal(), Shape.broadcast(name, a.shape(), b.shape()), a, b);
    }

    Tensor where(Tensor cond, Tensor a, Tensor b) {
        Checks.floats("where", rt.device, cond, a, b);
        Shape shape = Shape.broadcast("where", Shape.broadcast("where", cond.shape(), a.shape()), b.shape());
        return map(WHERE, 0, shape, cond, a, b);
    }

    /** {@code t} itself when contiguous, else a contiguous copy of the same dtype. */
    Tensor contiguous(Tensor t) {
        return t.isContiguous() ? t : convertedCopy(t, t.dtype());
    }

    /**
     * {@code t} itself when it already is a contiguous {@code dtype} tensor starting at element 0 (the layout
     * kernels index without offsets or strides), else a converted copy.
     */
    Tensor packed(Tensor t, DType dtype) {
        return t.dtype() == dtype && t.isContiguous() && t.offset() == 0 ? t : convertedCopy(t, dtype);
    }

    private Tensor convertedCopy(Tensor t, DType dtype) {
        Tensor c = rt.empty(t.shape(), dtype);
        copy(t, c);
        return c;
    }

    void copy(Tensor src, Tensor dst) {
        Checks.onDevice("copy", rt.device, src, dst);
        if (!src.shape().equals(dst.shape())) {
            throw new ShapeMismatchException("copy: source shape " + src.shape() + " does not match destination shape "
                    + dst.shape());
        }
        if (dst.numel() == 0) {
            return;
        }
        int[] layout = Layouts.layout4(dst.shape(), dst, src);
        rt.launch("elementwise", "ew_copy", LaunchConfig.elementwise(dst.numel()), layout, dst, src);
    }

    void fill(Tensor dst, double value) {
        Checks.onDevice("fill", rt.device, dst);
        if (dst.numel() == 0) {
            return;
        }
        long bits = switch (dst.dtype()) {
            case F32 -> Float.floatToRawIntBits((float) value);
            case F16 -> HalfFloats.floatToHalf((float) value) & 0xffff;
            case BF16 -> HalfFloats.floatToBFloat16((float) value) & 0xffff;
            case I64 -> (long) value;
        };
        int[] layout = Layouts.layout4(dst.shape(), dst);
        rt.launch("elementwise", "ew_fill", LaunchConfig.elementwise(dst.numel()), layout, dst, bits);
    }

    void fillRandom(Tensor dst, Distribution dist, double p1, double p2, long seed, long counter) {
        Checks.onDevice("fillRandom", rt.device, dst);
        if (dst.dtype() != DType.F32 || !dst.isContiguous()) {
            throw new IllegalArgumentException("fillRandom: destination must be a contiguous F32 tensor, got "
                    + dst.dtype() + " " + dst.shape() + " with strides " + java.util.Arrays.toString(dst.strides()));
        }
        if (dst.numel() == 0) {
            return;
        }
        rt.launch("random", "fill_random", LaunchConfig.elementwise(dst.numel()), dst, dst.offset(), dst.numel(),
                dist.ordinal(), p1, p2, seed, counter);
    }
}
