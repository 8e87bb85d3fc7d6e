package io.jformer.tensor;

import java.util.Arrays;
import java.util.List;

/**
 * The shape rules of the op set, shared by every backend: they accept the same inputs, produce the same
 * shapes and report a mistake in the same words, whichever device runs the kernel.
 */
public final class OpShapes {

    private OpShapes() {
    }

    /**
     * A matrix product after {@code torch.matmul}'s rules: 1-D operands made matrices, batch dimensions
     * broadcast, both operands expanded (as views) to {@code batch + [m, k]} and {@code batch + [k, n]}.
     */
    public record Matmul(Tensor a, Tensor b, Shape batch, int m, int n, int k, boolean vectorA, boolean vectorB) {

        /** {@code batch + [m, n]}: the shape the kernel writes. */
        public Shape productShape() {
            return withMatrix(batch, m, n);
        }

        /** The kernel's {@code batch + [m, n]} result with the dimensions of 1-D operands removed again. */
        public Tensor result(Tensor product) {
            Tensor r = vectorA ? product.squeeze(-2) : product;
            return vectorB ? r.squeeze(-1) : r;
        }
    }

    /**
     * Scaled dot-product attention's sizes: {@code q [..., T, d]}, {@code k [..., S, d]}, {@code v [..., S, dv]}
     * with the same leading (batch) dimensions, and the additive mask as a view broadcast to the scores'
     * shape {@code [..., T, S]} (null when there is none).
     */
    public record Attention(Shape batch, int queries, int keys, int headSize, int valueSize, Tensor mask) {

        /** {@code batch + [T, dv]}. */
        public Shape outputShape() {
            return withMatrix(batch, queries, valueSize);
        }
    }

    /** Plans {@code softmax(scale·q·kᵀ + mask)·v}, or fails naming the shapes that do not fit. */
    public static Attention attention(Tensor q, Tensor k, Tensor v, Tensor mask) {
        String shapes = "query " + q.shape() + ", key " + k.shape() + ", value " + v.shape();
        if (q.rank() < 2 || k.rank() != q.rank() || v.rank() != q.rank()) {
            throw new ShapeMismatchException("scaled_dot_product_attention: " + shapes
                    + ": all three need the same rank, at least 2");
        }
        for (int d = 0; d < q.rank() - 2; d++) {
            if (k.size(d) != q.size(d) || v.size(d) != q.size(d)) {
                throw new ShapeMismatchException("scaled_dot_product_attention: " + shapes
                        + ": batch dimension " + d + " differs");
            }
        }
        if (k.size(-1) != q.size(-1)) {
            throw new ShapeMismatchException("scaled_dot_product_attention: " + shapes
                    + ": query and key differ in their last dimension");
        }
        if (v.size(-2) != k.size(-2)) {
            throw new ShapeMismatchException("scaled_dot_product_attention: " + shapes
                    + ": key and value differ in length (dimension -2)");
        }
        Shape batch = Shape.of(Arrays.copyOf(q.shape().toArray(), q.rank() - 2));
        Shape scores = withMatrix(batch, q.size(-2), k.size(-2));
        Tensor maskView = null;
        if (mask != null) {
            boolean fits;
            try {
                fits = Shape.broadcast("scaled_dot_product_attention mask", scores, mask.shape()).equals(scores);
            } catch (ShapeMismatchException e) {
                fits = false;
            }
            if (!fits) {
                throw new ShapeMismatchException("scaled_dot_product_attention: mask of shape " + mask.shape()
                        + " does not broadcast to the scores' shape " + scores + " (" + shapes + ")");
            }
            maskView = mask.broadcastTo(scores);
        }
        return new Attention(batch, q.size(-2), k.size(-2), q.size(-1), v.size(-1), maskView);
    }

    /** Plans {@code a·b}, or fails naming both shapes. */
    public static Matmul matmul(Tensor a, Tensor b) {
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
        Shape batch;
        try {
            batch = Shape.broadcast("matmul", batchA, batchB);
        } catch (ShapeMismatchException e) {
            throw new ShapeMismatchException("matmul: shapes " + a.shape() + " and " + b.shape()
                    + " do not fit: batch dimensions " + batchA + " and " + batchB + " cannot be broadcast");
        }
        return new Matmul(a2.expand(withMatrix(batch, m, k).toArray()), b2.expand(withMatrix(batch, k, n).toArray()),
                batch, m, n, k, vectorA, vectorB);
    }

    /**
     * Checks {@code x·weightᵀ + bias}: {@code x [..., in]} (at least 1-D), {@code weight [out, in]}, {@code bias
     * [out]} or null; fails naming the shapes that do not fit.
     */
    public static void linear(Tensor x, Tensor weight, Tensor bias) {
        if (weight.rank() != 2 || x.rank() == 0 || x.size(-1) != weight.size(1)) {
            throw new ShapeMismatchException("linear: input of shape " + x.shape() + " and weight of shape "
                    + weight.shape() + " do not fit: the weight must be [out_features, in_features] and the input "
                    + "[..., in_features]");
        }
        if (bias != null && (bias.rank() != 1 || bias.size(0) != weight.size(0))) {
            throw new ShapeMismatchException("linear: bias of shape " + bias.shape() + " does not fit weight of shape "
                    + weight.shape() + " (expected [" + weight.size(0) + "])");
        }
    }

    /**
     * Storage offset of each matrix of a batched operand (shape {@code batch + [rows, cols]}, possibly broadcast
     * with stride 0), in row-major batch order: how a batched GEMM finds its operands without copying them.
     */
    public static int[] batchOffsets(Tensor t, Shape batch) {
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

    private static Shape withMatrix(Shape batch, int rows, int cols) {
        int[] dims = Arrays.copyOf(batch.toArray(), batch.rank() + 2);
        dims[batch.rank()] = rows;
        dims[batch.rank() + 1] = cols;
        return Shape.of(dims);
    }

    /**
     * A reduction as {@code rows} independent runs of {@code len} elements: {@code order} moves the kept
     * dimensions first and the reduced ones last. {@code leadingOnly} says the reduced dimensions are the
     * leading ones, so a contiguous input can be reduced column-wise without a transpose.
     *
     * @param outShape  the result without the reduced dimensions
     * @param keptShape the result with them kept as size 1 ({@code keepDim})
     */
    public record Reduce(int[] order, Shape outShape, Shape keptShape, int rows, int len, boolean leadingOnly) {
    }

    /** Plans a reduction over {@code dims} (all when empty); max and min of an empty run are an error. */
    public static Reduce reduce(ReduceOp op, Shape shape, int[] dims) {
        int rank = shape.rank();
        boolean[] reduced = new boolean[rank];
        for (int d : dims) {
            reduced[shape.normalize(d)] = true;
        }
        if (dims.length == 0) {
            Arrays.fill(reduced, true);
        }
        int[] order = new int[rank];
        int[] outDims = new int[rank];
        int[] keptDims = shape.toArray();
        int kept = 0;
        int n = 0;
        int rows = 1;
        int len = 1;
        for (int d = 0; d < rank; d++) {
            if (!reduced[d]) {
                order[n++] = d;
                rows *= shape.dim(d);
                outDims[kept++] = shape.dim(d);
            }
        }
        boolean leadingOnly = true;
        for (int d = 0; d < rank; d++) {
            if (reduced[d]) {
                order[n++] = d;
                len *= shape.dim(d);
                keptDims[d] = 1;
                leadingOnly &= d < rank - kept;
            }
        }
        if ((op == ReduceOp.MAX || op == ReduceOp.MIN) && len == 0 && rows > 0) {
            throw new IllegalArgumentException(op.name().toLowerCase() + ": cannot reduce an empty dimension of shape "
                    + shape);
        }
        return new Reduce(order, Shape.of(Arrays.copyOf(outDims, kept)), Shape.of(keptDims), rows, len,
                leadingOnly && kept > 0);
    }

    /** The shape of concatenating {@code parts} along {@code dim}, or an error naming the tensor that does not fit. */
    public static Shape concat(List<Tensor> parts, int dim) {
        Tensor first = parts.get(0);
        int d = first.shape().normalize(dim);
        int total = 0;
        for (int i = 0; i < parts.size(); i++) {
            Tensor p = parts.get(i);
            if (p.dtype() != first.dtype()) {
                throw new IllegalArgumentException("concat: tensor 0 has dtype " + first.dtype() + " but tensor " + i
                        + " has dtype " + p.dtype());
            }
            if (p.rank() != first.rank()) {
                throw new ShapeMismatchException("concat: tensor 0 has shape " + first.shape() + " but tensor " + i
                        + " has shape " + p.shape());
            }
            for (int k = 0; k < p.rank(); k++) {
                if (k != d && p.size(k) != first.size(k)) {
                    throw new ShapeMismatchException("concat along dimension " + d + ": tensor 0 has shape "
                            + first.shape() + " but tensor " + i + " has shape " + p.shape());
                }
            }
            total += p.size(d);
        }
        int[] dims = first.shape().toArray();
        dims[d] = total;
        return Shape.of(dims);
    }

    /** Fails naming the first index outside {@code [0, size)}. */
    public static void checkIndices(String op, long[] indices, int size) {
        for (long i : indices) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException(op + ": index " + i + " out of range for size " + size);
            }
        }
    }
}
