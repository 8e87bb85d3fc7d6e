package io.jformer.kernels;

import io.jformer.tensor.DType;
import io.jformer.tensor.OpShapes;
import io.jformer.tensor.Shape;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * Embedding, index select/add and concat ({@code index.cu}). Index tensors are read back to the host to be
 * validated (as the CPU backend does) and, for scatter-adds, grouped into a {@link SegmentPlan}; they are
 * small (token ids), and this is what makes the gradients deterministic without atomics.
 */
final class IndexOps {

    private final CudaRuntime rt;
    private final ElementwiseOps ew;

    IndexOps(CudaRuntime rt, ElementwiseOps ew) {
        this.rt = rt;
        this.ew = ew;
    }

    Tensor embedding(Tensor weight, Tensor ids) {
        Checks.floats("embedding", rt.device, weight);
        Checks.i64("embedding", rt.device, ids);
        if (weight.rank() != 2) {
            throw new ShapeMismatchException("embedding: weight must be 2-D [rows, dim], got shape " + weight.shape());
        }
        int[] outDims = Arrays.copyOf(ids.shape().toArray(), ids.rank() + 1);
        outDims[ids.rank()] = weight.size(1);
        Tensor flat = gather("embedding", weight, 0, ids);
        return flat.reshape(outDims);
    }

    Tensor embeddingBackward(Tensor dy, Tensor ids, int numRows) {
        Checks.floats("embedding_backward", rt.device, dy);
        Checks.i64("embedding_backward", rt.device, ids);
        long[] idx = hostLongs(ids);
        int d = dy.rank() == 0 ? 1 : dy.size(-1);
        if (dy.numel() != (long) idx.length * d) {
            throw new ShapeMismatchException("embedding_backward: gradient of shape " + dy.shape()
                    + " does not match ids of shape " + ids.shape());
        }
        OpShapes.checkIndices("embedding_backward", idx, numRows);
        return scatterAdd(ew.contiguous(dy), 1, idx.length, d, idx, numRows, Shape.of(numRows, d));
    }

    Tensor indexSelect(Tensor x, int dim, Tensor index) {
        Checks.onDevice("index_select", rt.device, x);
        Checks.i64("index_select", rt.device, index);
        if (index.rank() != 1) {
            throw new ShapeMismatchException("index_select: index must be 1-D, got shape " + index.shape());
        }
        int d = x.shape().normalize(dim);
        int[] dims = x.shape().toArray();
        dims[d] = index.size(0);
        return gather("index_select", x, d, index).reshape(dims);
    }

    /** {@code x} gathered at {@code index} along {@code d}, as a contiguous [outer, n, inner] tensor. */
    private Tensor gather(String op, Tensor x, int d, Tensor index) {
        long[] idx = hostLongs(index);
        OpShapes.checkIndices(op, idx, x.size(d));
        Tensor xc = ew.contiguous(x);
        int outer = 1;
        for (int i = 0; i < d; i++) {
            outer *= x.size(i);
        }
        int inner = 1;
        for (int i = d + 1; i < x.rank(); i++) {
            inner *= x.size(i);
        }
        Tensor out = rt.empty(Shape.of(outer, idx.length, inner), x.dtype());
        if (out.numel() > 0) {
            Tensor idxDev = index.isContiguous() && index.offset() == 0 ? index : upload(idx);
            rt.launch("index", "gather_rows", LaunchConfig.elementwise(out.numel()), xc, x.dtype().byteSize(),
                    xc.offset(), outer, x.size(d), inner, idxDev, idx.length, out);
        }
        return out;
    }

    Tensor indexAdd(Shape shape, int dim, Tensor index, Tensor src) {
        Checks.floats("index_add", rt.device, src);
        Checks.i64("index_add", rt.device, index);
        int d = shape.normalize(dim);
        long[] idx = hostLongs(index);
        int[] expected = shape.toArray();
        expected[d] = idx.length;
        if (!src.shape().equals(Shape.of(expected))) {
            throw new ShapeMismatchException("index_add: source shape " + src.shape() + " does not match "
                    + Shape.of(expected) + " (shape " + shape + " with " + idx.length + " entries along dimension " + d + ")");
        }
        OpShapes.checkIndices("index_add", idx, shape.dim(d));
        int outer = 1;
        for (int i = 0; i < d; i++) {
            outer *= shape.dim(i);
        }
        int inner = 1;
        for (int i = d + 1; i < shape.rank(); i++) {
            inner *= shape.dim(i);
        }
        return scatterAdd(ew.contiguous(src), outer, idx.length, inner, idx, shape.dim(d), shape);
    }

    private Tensor scatterAdd(Tensor src, int outer, int nSrc, int inner, long[] idx, int outDim, Shape shape) {
        Tensor out = rt.empty(shape, DType.F32);
        rt.zero((CudaStorage) out.storage());
        SegmentPlan plan = SegmentPlan.of(idx, outDim);
        long work = (long) outer * plan.segments() * inner;
        if (work == 0) {
            return out;
        }
        try (CudaStorage start = rt.uploadInts(plan.segStart()); CudaStorage pos = rt.uploadInts(plan.pos());
             CudaStorage target = rt.uploadInts(plan.target())) {
            rt.launch("index", "segment_sum", LaunchConfig.elementwise(work), src, src.dtype().ordinal(), src.offset(),
                    outer, nSrc, inner, start, pos, target, plan.segments(), outDim, out);
        }
        return out;
    }

    Tensor concat(List<Tensor> parts, int dim) {
        for (Tensor p : parts) {
            Checks.onDevice("concat", rt.device, p);
        }
        Tensor first = parts.get(0);
        int d = first.shape().normalize(dim);
        Tensor out = rt.empty(OpShapes.concat(parts, d), first.dtype());
        int pos = 0;
        for (Tensor p : parts) {
            ew.copy(p, out.narrow(d, pos, p.size(d)));
            pos += p.size(d);
        }
        return out;
    }

    /** The values of an I64 tensor on the host (one device-to-host copy). */
    long[] hostLongs(Tensor t) {
        Tensor c = ew.contiguous(t);
        return rt.download((CudaStorage) c.storage(), c.offset(), c.numel()).longs();
    }

    private Tensor upload(long[] values) {
        return new Tensor(rt.upload(Tensor.ofLongs(values, values.length)), Shape.of(values.length));
    }

}
