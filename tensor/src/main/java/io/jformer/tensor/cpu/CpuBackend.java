package io.jformer.tensor.cpu;

import io.jformer.tensor.AdamWStep;
import io.jformer.tensor.Backend;
import io.jformer.tensor.BinaryOp;
import io.jformer.tensor.CompareOp;
import io.jformer.tensor.CrossEntropyResult;
import io.jformer.tensor.DType;
import io.jformer.tensor.Device;
import io.jformer.tensor.Distribution;
import io.jformer.tensor.Generator;
import io.jformer.tensor.LayerNormGradients;
import io.jformer.tensor.LayerNormResult;
import io.jformer.tensor.OpShapes;
import io.jformer.tensor.ReduceOp;
import io.jformer.tensor.Reduction;
import io.jformer.tensor.Shape;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Storage;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.UnaryOp;

import java.util.Arrays;
import java.util.List;

/**
 * The CPU implementation of the op set, on the Vector API and a fixed worker pool. It is the reference
 * every other backend is tested against. Thread-safe: kernels keep no state between calls.
 */
public final class CpuBackend implements Backend, AutoCloseable {

    private final WorkerPool pool;

    /**
     * A CPU backend with its own pool of {@code threads} worker threads (the caller counts as one); usually
     * obtained from {@link io.jformer.tensor.Backends#cpu()} instead.
     */
    public CpuBackend(int threads) {
        this.pool = new WorkerPool(threads);
    }

    /** The worker pool that runs this backend's kernels. */
    public WorkerPool pool() {
        return pool;
    }

    /** The number of threads kernels are split across. */
    public int threads() {
        return pool.threads();
    }

    @Override
    public void close() {
        pool.close();
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    // ---- memory -------------------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, int length) {
        // The op set's contract leaves contents unspecified: every caller overwrites them.
        return CpuStorage.allocate(dtype, length, false);
    }

    @Override
    public void recycle(Storage storage) {
        if (!(storage instanceof CpuStorage s)) {
            throw new IllegalArgumentException("recycle: " + storage.device() + " storage is not the CPU backend's");
        }
        s.recycle();
    }

    /** Bytes of arrays the pool holds for reuse (released by closed workspaces, not yet taken again). */
    public long pooledBytes() {
        return CpuStorage.pool().heldBytes();
    }

    /** Allocations the pool has served since the JVM started. */
    public long pooledReuseCount() {
        return CpuStorage.pool().reusedCount();
    }

    /** Drops the pooled arrays, for the garbage collector to return when memory is needed elsewhere. */
    public void releasePooledMemory() {
        CpuStorage.pool().clear();
    }

    @Override
    public void accumulate(Tensor dst, Tensor src) {
        requireCpu("accumulate", dst, src);
        boolean plain = dst.dtype() == DType.F32 && src.dtype() == DType.F32 && dst.isContiguous()
                && src.isContiguous();
        if (plain && dst.shape().equals(src.shape())) {
            // A gradient added to the one a parameter already has: memory-bound, so shared among the threads.
            float[] d = floats(dst);
            float[] s = floats(src);
            int dOff = dst.offset();
            int sOff = src.offset();
            pool.parallelFor(dst.numel(), 1 << 16,
                    (i0, i1) -> VectorMath.addInPlace(d, dOff + i0, s, sOff + i0, i1 - i0));
            return;
        }
        if (plain && dst.rank() >= 1 && src.rank() == 1 && src.size(0) == dst.size(-1) && dst.numel() > 0) {
            // A bias added to every row: the linear layer's epilogue.
            float[] d = floats(dst);
            float[] b = floats(src);
            int n = src.size(0);
            int dOff = dst.offset();
            int bOff = src.offset();
            pool.parallelFor(dst.numel() / n, Math.max(1, 16384 / n), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    VectorMath.addInPlace(d, dOff + r * n, b, bOff, n);
                }
            });
            return;
        }
        Backend.super.accumulate(dst, src);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        requireCpu("copy", src, dst);
        if (!src.shape().equals(dst.shape())) {
            throw new ShapeMismatchException("copy: source shape " + src.shape() + " does not match destination shape "
                    + dst.shape());
        }
        if (dst.numel() == 0) {
            return;
        }
        CpuStorage s = storage(src);
        CpuStorage d = storage(dst);
        loop(dst.shape(), dst, src).run(pool, (off, len, st) -> CopyKernels.copyRow(d, s, off, len, st));
    }

    @Override
    public void fill(Tensor dst, double value) {
        requireCpu("fill", dst);
        CpuStorage d = storage(dst);
        loop(dst.shape(), dst).run(pool, (off, len, st) -> CopyKernels.fillRow(d, value, off[0], len, st[0]));
    }

    @Override
    public Tensor toHost(Tensor src) {
        return src.contiguous();
    }

    @Override
    public Tensor fromHost(Tensor hostTensor) {
        return hostTensor.contiguous();
    }

    @Override
    public void fillRandom(Tensor dst, Distribution dist, double p1, double p2, long seed, long counter) {
        requireF32("fillRandom", dst);
        if (!dst.isContiguous()) {
            throw new IllegalArgumentException("fillRandom: destination must be contiguous, got strides "
                    + Arrays.toString(dst.strides()) + " for shape " + dst.shape());
        }
        float[] out = floats(dst);
        int base = dst.offset();
        if (dist == Distribution.BERNOULLI) {
            pool.parallelFor(dst.numel(), 1 << 14,
                    (start, end) -> bernoulli(out, base + start, end - start, seed, counter + start, p1));
            return;
        }
        pool.parallelFor(dst.numel(), 1 << 14, (start, end) -> {
            for (int i = start; i < end; i++) {
                long index = counter + i;
                out[base + i] = switch (dist) {
                    case NORMAL -> (float) (p1 + p2 * Generator.normal(seed, index));
                    case UNIFORM -> (float) (p1 + (p2 - p1) * Generator.uniform(seed, index));
                    case BERNOULLI -> throw new AssertionError("Bernoulli draws are made by bernoulli()");
                };
            }
        });
    }

    /** {@code out[off + i] = 1} where the Bernoulli draw {@code counter + i} succeeds with probability {@code p}, else 0. */
    static void bernoulli(float[] out, int off, int len, long seed, long counter, double p) {
        RandomKernels.maskedScale(out, off, null, 0, len, seed, counter, p, 1f);
    }

    @Override
    public Tensor dropout(Tensor x, double p, long seed, long counter) {
        requireF32("dropout", x);
        Tensor in = x.contiguous();
        Tensor out = outputF32(x.shape());
        float[] o = floats(out);
        float[] xs = floats(in);
        int xBase = in.offset();
        double keep = 1 - p;
        float scale = (float) (1 / keep);
        pool.parallelFor(out.numel(), 1 << 14, (start, end) ->
                RandomKernels.maskedScale(o, start, xs, xBase + start, end - start, seed, counter + start, keep, scale));
        return out;
    }

    // ---- elementwise --------------------------------------------------------------------------------

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase();
        requireF32(name, a, b);
        Shape shape = Shape.broadcast(name, a.shape(), b.shape());
        Tensor out = outputF32(shape);
        float[] o = floats(out);
        float[] x = floats(a);
        float[] y = floats(b);
        loop(shape, out, a, b).run(pool, (off, len, st) -> ElementwiseKernels.binaryRow(op, o, x, y, off, len, st));
        return out;
    }

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        requireF32(op.name().toLowerCase(), x);
        Tensor out = outputF32(x.shape());
        unaryInto(pool, op, x, out);
        return out;
    }

    /** {@code out = op(x)} element by element, on the pool's threads; {@code out} may be {@code x} (in place). */
    static void unaryInto(WorkerPool pool, UnaryOp op, Tensor x, Tensor out) {
        float[] o = floats(out);
        float[] in = floats(x);
        loop(x.shape(), out, x).run(pool, (off, len, st) -> ElementwiseKernels.unaryRow(op, o, in, off, len, st));
    }

    @Override
    public Tensor unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy) {
        String name = op.name().toLowerCase() + "_backward";
        requireF32(name, x, y, dy);
        requireSameShape(name, x, y);
        requireSameShape(name, x, dy);
        Tensor out = outputF32(x.shape());
        float[] o = floats(out);
        float[] xs = floats(x);
        float[] ys = floats(y);
        float[] g = floats(dy);
        loop(x.shape(), out, x, y, dy).run(pool,
                (off, len, st) -> ElementwiseKernels.unaryBackwardRow(op, o, xs, ys, g, off, len, st));
        return out;
    }

    @Override
    public Tensor compare(CompareOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase();
        requireF32(name, a, b);
        Shape shape = Shape.broadcast(name, a.shape(), b.shape());
        Tensor out = outputF32(shape);
        float[] o = floats(out);
        float[] x = floats(a);
        float[] y = floats(b);
        loop(shape, out, a, b).run(pool, (off, len, st) -> ElementwiseKernels.compareRow(op, o, x, y, off, len, st));
        return out;
    }

    @Override
    public Tensor where(Tensor cond, Tensor a, Tensor b) {
        requireF32("where", cond, a, b);
        Shape shape = Shape.broadcast("where", Shape.broadcast("where", cond.shape(), a.shape()), b.shape());
        Tensor out = outputF32(shape);
        float[] o = floats(out);
        float[] c = floats(cond);
        float[] x = floats(a);
        float[] y = floats(b);
        loop(shape, out, cond, a, b).run(pool, (off, len, st) -> ElementwiseKernels.whereRow(o, c, x, y, off, len, st));
        return out;
    }

    // ---- reductions ---------------------------------------------------------------------------------

    @Override
    public Tensor reduce(ReduceOp op, Tensor x, int[] dims, boolean keepDim) {
        requireF32(op.name().toLowerCase(), x);
        OpShapes.Reduce plan = OpShapes.reduce(op, x.shape(), dims);
        float[] result = new float[plan.rows()];
        if (plan.leadingOnly() && x.isContiguous()) {
            ReductionKernels.columns(pool, op, floats(x), x.offset(), plan.len(), plan.rows(), result);
        } else {
            Tensor rowMajor = x.permute(plan.order()).contiguous();
            ReductionKernels.rows(pool, op, floats(rowMajor), rowMajor.offset(), plan.rows(), plan.len(), result);
        }
        return new Tensor(CpuStorage.of(result), keepDim ? plan.keptShape() : plan.outShape());
    }

    @Override
    public Tensor argmax(Tensor x, int dim, boolean keepDim) {
        requireF32("argmax", x);
        int d = x.shape().normalize(dim);
        if (x.size(d) == 0) {
            throw new IllegalArgumentException("argmax: dimension " + d + " of shape " + x.shape() + " is empty");
        }
        Tensor rowMajor = x.transpose(d, -1).contiguous();
        int len = x.size(d);
        int rows = x.numel() / len;
        long[] idx = new long[rows];
        ReductionKernels.argmaxRows(pool, floats(rowMajor), rowMajor.offset(), rows, len, idx);
        int[] dims = rowMajor.shape().toArray();
        dims[dims.length - 1] = 1;
        Tensor out = new Tensor(CpuStorage.of(idx), Shape.of(dims)).transpose(d, -1).contiguous();
        return keepDim ? out : out.squeeze(d);
    }

    // ---- linear algebra -----------------------------------------------------------------------------

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        return MatmulDispatch.matmul(pool, a, b);
    }

    @Override
    public Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return MatmulDispatch.linear(pool, x, weight, bias, null);
    }

    /** The activation runs in the GEMM's epilogue, on each strip of the output while it is in L1. */
    @Override
    public Tensor linear(Tensor x, Tensor weight, Tensor bias, UnaryOp activation) {
        return MatmulDispatch.linear(pool, x, weight, bias, activation);
    }

    // ---- normalisation and attention ----------------------------------------------------------------

    @Override
    public Tensor softmax(Tensor x, int dim, double scale, Tensor mask, boolean log) {
        String name = log ? "log_softmax" : "softmax";
        requireF32(name, x);
        int d = x.shape().normalize(dim);
        Tensor maskView = null;
        if (mask != null) {
            requireF32(name + " mask", mask);
            Shape joint = Shape.broadcast(name + " mask", x.shape(), mask.shape());
            if (!joint.equals(x.shape())) {
                throw new ShapeMismatchException(name + ": mask of shape " + mask.shape()
                        + " does not broadcast to input shape " + x.shape());
            }
            maskView = mask.broadcastTo(x.shape()).transpose(d, -1);
        }
        Tensor xt = x.transpose(d, -1);
        Tensor outT = outputF32(xt.shape());
        float[] o = floats(outT);
        float[] in = floats(x);
        float[] m = maskView == null ? null : floats(maskView);
        StridedLoop rows = maskView == null ? rowLoop(xt.shape(), outT, xt) : rowLoop(xt.shape(), outT, xt, maskView);
        rows.run(pool, (off, len, st) -> SoftmaxKernels.forwardRow(o, in, m, scale, log, off, len, st));
        return d == x.rank() - 1 ? outT : outT.transpose(d, -1).contiguous();
    }

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, double scale, Tensor mask) {
        return FusedAttention.forward(pool, q, k, v, scale, mask);
    }

    @Override
    public Tensor softmaxBackward(Tensor y, Tensor dy, int dim, double scale, boolean log) {
        String name = log ? "log_softmax_backward" : "softmax_backward";
        requireF32(name, y, dy);
        requireSameShape(name, y, dy);
        int d = y.shape().normalize(dim);
        Tensor yt = y.transpose(d, -1);
        Tensor dyt = dy.transpose(d, -1);
        Tensor outT = outputF32(yt.shape());
        float[] o = floats(outT);
        float[] ys = floats(y);
        float[] g = floats(dy);
        rowLoop(yt.shape(), outT, yt, dyt).run(pool,
                (off, len, st) -> SoftmaxKernels.backwardRow(o, ys, g, scale, log, off, len, st));
        return d == y.rank() - 1 ? outT : outT.transpose(d, -1).contiguous();
    }

    @Override
    public LayerNormResult layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        requireF32("layer_norm", x);
        if (x.rank() == 0) {
            throw new ShapeMismatchException("layer_norm: input must have at least one dimension, got a scalar");
        }
        int d = x.size(-1);
        checkNormParam("weight", weight, x);
        checkNormParam("bias", bias, x);
        Tensor xc = x.contiguous();
        Tensor w = weight == null ? null : weight.contiguous();
        Tensor b = bias == null ? null : bias.contiguous();
        int rows = d == 0 ? 0 : x.numel() / d;
        Tensor y = outputF32(x.shape());
        Shape statShape = statShape(x.shape());
        float[] mean = new float[rows];
        float[] rstd = new float[rows];
        LayerNormKernels.forward(pool, floats(xc), xc.offset(), w == null ? null : floats(w), w == null ? 0 : w.offset(),
                b == null ? null : floats(b), b == null ? 0 : b.offset(), rows, d, (float) eps, floats(y), mean, rstd);
        return new LayerNormResult(y, new Tensor(CpuStorage.of(mean), statShape),
                new Tensor(CpuStorage.of(rstd), statShape));
    }

    private static Shape statShape(Shape s) {
        return Shape.of(Arrays.copyOf(s.toArray(), s.rank() - 1));
    }

    private static void checkNormParam(String what, Tensor p, Tensor x) {
        if (p == null) {
            return;
        }
        requireF32("layer_norm " + what, p);
        if (p.rank() != 1 || p.size(0) != x.size(-1)) {
            throw new ShapeMismatchException("layer_norm: " + what + " of shape " + p.shape()
                    + " does not match the last dimension of input shape " + x.shape());
        }
    }

    @Override
    public LayerNormGradients layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd) {
        requireF32("layer_norm_backward", dy, x, mean, rstd);
        requireSameShape("layer_norm_backward", x, dy);
        checkNormParam("weight", weight, x);
        int d = x.size(-1);
        int rows = d == 0 ? 0 : x.numel() / d;
        Tensor xc = x.contiguous();
        Tensor dyc = dy.contiguous();
        Tensor w = weight == null ? null : weight.contiguous();
        Tensor dx = outputF32(x.shape());
        float[] dw = new float[d];
        float[] db = new float[d];
        LayerNormKernels.backward(pool, floats(dyc), dyc.offset(), floats(xc), xc.offset(),
                w == null ? null : floats(w), w == null ? 0 : w.offset(), mean.contiguous().toFloatArray(),
                rstd.contiguous().toFloatArray(), rows, d, floats(dx), dw, db);
        return new LayerNormGradients(dx, new Tensor(CpuStorage.of(dw), Shape.of(d)),
                new Tensor(CpuStorage.of(db), Shape.of(d)));
    }

    // ---- indexing -----------------------------------------------------------------------------------

    @Override
    public Tensor embedding(Tensor weight, Tensor ids) {
        requireF32("embedding", weight);
        requireI64("embedding", ids);
        if (weight.rank() != 2) {
            throw new ShapeMismatchException("embedding: weight must be 2-D [rows, dim], got shape " + weight.shape());
        }
        int rows = weight.size(0);
        int d = weight.size(1);
        long[] idx = ids.toLongArray();
        OpShapes.checkIndices("embedding", idx, rows);
        Tensor w = weight.contiguous();
        float[] src = floats(w);
        int wOff = w.offset();
        int[] outDims = Arrays.copyOf(ids.shape().toArray(), ids.rank() + 1);
        outDims[ids.rank()] = d;
        Tensor out = newF32(Shape.of(outDims));
        float[] o = floats(out);
        pool.parallelFor(idx.length, Math.max(1, 4096 / Math.max(1, d)), (start, end) -> {
            for (int i = start; i < end; i++) {
                System.arraycopy(src, wOff + (int) idx[i] * d, o, i * d, d);
            }
        });
        return out;
    }

    @Override
    public Tensor embeddingBackward(Tensor dy, Tensor ids, int numRows) {
        Tensor result = newF32(Shape.of(numRows, dy.rank() == 0 ? 1 : dy.size(-1)));
        scatterRows("embedding_backward", result, dy, ids);
        return result;
    }

    @Override
    public void embeddingBackwardInto(Tensor grad, Tensor dy, Tensor ids) {
        requireCpu("embedding_backward", grad, dy);
        requireF32("embedding_backward", grad);
        if (grad.rank() != 2 || !grad.isContiguous() || grad.size(1) != (dy.rank() == 0 ? 1 : dy.size(-1))) {
            throw new ShapeMismatchException("embedding_backward: gradient of shape " + dy.shape()
                    + " cannot be added into a table of shape " + grad.shape());
        }
        scatterRows("embedding_backward", grad, dy, ids);
    }

    /** Adds row {@code i} of {@code dy} into row {@code ids[i]} of the contiguous table {@code out}, in id order. */
    private void scatterRows(String op, Tensor out, Tensor dy, Tensor ids) {
        requireF32(op, dy);
        requireI64(op, ids);
        long[] idx = ids.toLongArray();
        int d = out.size(1);
        if (dy.numel() != idx.length * d) {
            throw new ShapeMismatchException(op + ": gradient of shape " + dy.shape()
                    + " does not match ids of shape " + ids.shape());
        }
        OpShapes.checkIndices(op, idx, out.size(0));
        Tensor g = dy.contiguous();
        float[] src = floats(g);
        int gOff = g.offset();
        float[] dst = floats(out);
        int oOff = out.offset();
        // Threads own disjoint column ranges, so repeated ids add up in id order without races.
        pool.parallelFor(d, 64, (c0, c1) -> {
            for (int i = 0; i < idx.length; i++) {
                VectorMath.addInPlace(dst, oOff + (int) idx[i] * d + c0, src, gOff + i * d + c0, c1 - c0);
            }
        });
    }

    @Override
    public Tensor indexSelect(Tensor x, int dim, Tensor index) {
        requireI64("index_select", index);
        requireCpu("index_select", x);
        if (index.rank() != 1) {
            throw new ShapeMismatchException("index_select: index must be 1-D, got shape " + index.shape());
        }
        int d = x.shape().normalize(dim);
        long[] idx = index.toLongArray();
        OpShapes.checkIndices("index_select", idx, x.size(d));
        int[] dims = x.shape().toArray();
        dims[d] = idx.length;
        Tensor out = Tensor.empty(Shape.of(dims), x.dtype(), Device.CPU);
        for (int i = 0; i < idx.length; i++) {
            copy(x.narrow(d, (int) idx[i], 1), out.narrow(d, i, 1));
        }
        return out;
    }

    @Override
    public Tensor indexAdd(Shape shape, int dim, Tensor index, Tensor src) {
        requireF32("index_add", src);
        requireI64("index_add", index);
        int d = shape.normalize(dim);
        long[] idx = index.toLongArray();
        int[] expected = shape.toArray();
        expected[d] = idx.length;
        if (!src.shape().equals(Shape.of(expected))) {
            throw new ShapeMismatchException("index_add: source shape " + src.shape() + " does not match "
                    + Shape.of(expected) + " (shape " + shape + " with " + idx.length + " entries along dimension " + d + ")");
        }
        OpShapes.checkIndices("index_add", idx, shape.dim(d));
        Tensor out = newF32(shape);
        float[] o = floats(out);
        float[] s = floats(src);
        for (int i = 0; i < idx.length; i++) {
            Tensor dst = out.narrow(d, (int) idx[i], 1);
            loop(dst.shape(), dst, src.narrow(d, i, 1)).run(pool, (off, len, st) -> {
                for (int k = 0; k < len; k++) {
                    o[off[0] + k * st[0]] += s[off[1] + k * st[1]];
                }
            });
        }
        return out;
    }

    @Override
    public Tensor concat(List<Tensor> parts, int dim) {
        for (Tensor p : parts) {
            requireCpu("concat", p);
        }
        Tensor first = parts.get(0);
        int d = first.shape().normalize(dim);
        Tensor out = Tensor.empty(OpShapes.concat(parts, d), first.dtype(), Device.CPU);
        int pos = 0;
        for (Tensor p : parts) {
            copy(p, out.narrow(d, pos, p.size(d)));
            pos += p.size(d);
        }
        return out;
    }

    // ---- losses -------------------------------------------------------------------------------------

    @Override
    public CrossEntropyResult crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Reduction reduction) {
        checkCrossEntropyInputs(logits, targets, ignoreIndex);
        Tensor x = logits.contiguous();
        int n = x.size(0);
        int c = x.size(1);
        long[] t = targets.contiguous().toLongArray();
        float[] loss = new float[n];
        float[] lse = new float[n];
        CrossEntropyKernels.forward(pool, offsetFree(x), n, c, t, 0, 1, ignoreIndex, loss, lse);
        Tensor perRow = new Tensor(CpuStorage.of(loss), Shape.of(n));
        Tensor lseT = new Tensor(CpuStorage.of(lse), Shape.of(n));
        Tensor reduced = switch (reduction) {
            case NONE -> perRow;
            case SUM -> Tensor.scalar(sumInOrder(loss));
            case MEAN -> Tensor.scalar(sumInOrder(loss) / CrossEntropyKernels.counted(t, 0, 1, n, ignoreIndex));
        };
        return new CrossEntropyResult(reduced, lseT);
    }

    /** Serial left-to-right sum: the loss of a batch must not depend on the thread count. */
    private static float sumInOrder(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return (float) s;
    }

    @Override
    public Tensor crossEntropyBackward(Tensor dLoss, Tensor logits, Tensor targets, Tensor logSumExp, int ignoreIndex,
                                       Reduction reduction) {
        checkCrossEntropyInputs(logits, targets, ignoreIndex);
        Tensor x = logits.contiguous();
        int n = x.size(0);
        int c = x.size(1);
        long[] t = targets.contiguous().toLongArray();
        float[] g = dLoss.toFloatArray();
        int expected = reduction == Reduction.NONE ? n : 1;
        if (g.length != expected) {
            throw new ShapeMismatchException("cross_entropy_backward: upstream gradient of shape " + dLoss.shape()
                    + " for " + reduction + " reduction over " + n + " rows");
        }
        float[] weights = CrossEntropyKernels.rowWeights(reduction, g, n,
                CrossEntropyKernels.counted(t, 0, 1, n, ignoreIndex));
        Tensor out = newF32(x.shape());
        CrossEntropyKernels.backward(pool, offsetFree(x), n, c, t, 0, 1, ignoreIndex, logSumExp.toFloatArray(),
                weights, floats(out));
        return out;
    }

    private static void checkCrossEntropyInputs(Tensor logits, Tensor targets, int ignoreIndex) {
        requireF32("cross_entropy", logits);
        requireI64("cross_entropy", targets);
        if (logits.rank() != 2 || targets.rank() != 1 || targets.size(0) != logits.size(0)) {
            throw new ShapeMismatchException("cross_entropy: logits must be [N, C] and targets [N]; got logits "
                    + logits.shape() + " and targets " + targets.shape());
        }
        int c = logits.size(1);
        long[] t = targets.toLongArray();
        for (int i = 0; i < t.length; i++) {
            if (t[i] != ignoreIndex && (t[i] < 0 || t[i] >= c)) {
                throw new IndexOutOfBoundsException("cross_entropy: target " + t[i] + " at position " + i
                        + " out of range for " + c + " classes");
            }
        }
    }

    // ---- optimizer ----------------------------------------------------------------------------------

    @Override
    public void adamwStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep h) {
        requireF32("adamw", param, grad, expAvg, expAvgSq);
        for (Tensor t : new Tensor[]{param, grad, expAvg, expAvgSq}) {
            if (!t.isContiguous() || !t.shape().equals(param.shape())) {
                throw new ShapeMismatchException("adamw: parameter " + param.shape() + ", gradient " + grad.shape()
                        + " and moments must be contiguous tensors of one shape; got " + t.shape());
            }
        }
        OptimizerKernels.adamw(pool, floats(param), param.offset(), floats(grad), grad.offset(), floats(expAvg),
                expAvg.offset(), floats(expAvgSq), expAvgSq.offset(), param.numel(), h);
    }

    /** The data of a contiguous tensor as an array starting at element 0 (copying only when offset). */
    private static float[] offsetFree(Tensor t) {
        return t.offset() == 0 ? floats(t) : floats(t.copy());
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static StridedLoop loop(Shape shape, Tensor... operands) {
        return new StridedLoop(shape, broadcastStrides(shape, operands), offsets(operands));
    }

    private static StridedLoop rowLoop(Shape shape, Tensor... operands) {
        return new StridedLoop(shape, broadcastStrides(shape, operands), offsets(operands), true);
    }

    private static int[][] broadcastStrides(Shape shape, Tensor[] operands) {
        int[][] strides = new int[operands.length][];
        for (int k = 0; k < operands.length; k++) {
            Tensor t = operands[k];
            int lead = shape.rank() - t.rank();
            int[] s = new int[shape.rank()];
            for (int i = 0; i < t.rank(); i++) {
                s[lead + i] = t.size(i) == 1 ? 0 : t.stride(i);
            }
            strides[k] = s;
        }
        return strides;
    }

    private static int[] offsets(Tensor[] operands) {
        int[] o = new int[operands.length];
        for (int k = 0; k < operands.length; k++) {
            o[k] = operands[k].offset();
        }
        return o;
    }

    static Tensor newF32(Shape shape) {
        return new Tensor(CpuStorage.allocate(DType.F32, shape.numel()), shape);
    }

    /** An F32 output the kernel writes in full, so memory taken from the pool is not zeroed first. */
    static Tensor outputF32(Shape shape) {
        return new Tensor(CpuStorage.allocate(DType.F32, shape.numel(), false), shape);
    }

    static CpuStorage storage(Tensor t) {
        return (CpuStorage) t.storage();
    }

    static float[] floats(Tensor t) {
        return storage(t).floats();
    }

    private static void requireSameShape(String op, Tensor a, Tensor b) {
        if (!a.shape().equals(b.shape())) {
            throw new ShapeMismatchException(op + ": shapes " + a.shape() + " and " + b.shape() + " must be equal");
        }
    }

    static void requireCpu(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (!t.device().equals(ts[0].device())) {
                throw new IllegalArgumentException(op + ": operands on different devices: " + describe(ts));
            }
        }
        if (ts.length > 0 && ts[0].device().type() != Device.Type.CPU) {
            throw new IllegalArgumentException(op + ": tensor on " + ts[0].device() + " given to the CPU backend;"
                    + " move it with to(Device.CPU) or run the op on " + ts[0].device());
        }
    }

    static void requireF32(String op, Tensor... ts) {
        requireCpu(op, ts);
        for (Tensor t : ts) {
            if (t.dtype() != DType.F32) {
                throw new IllegalArgumentException(op + ": expected F32 operands but got " + describe(ts)
                        + "; F16/BF16 are storage types here: convert with to(DType.F32)");
            }
        }
    }

    private static String describe(Tensor[] ts) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ts.length; i++) {
            sb.append(i == 0 ? "" : i == ts.length - 1 ? " and " : ", ")
                    .append(ts[i].dtype()).append(' ').append(ts[i].shape()).append(" on ").append(ts[i].device());
        }
        return sb.toString();
    }

    private static void requireI64(String op, Tensor t) {
        requireCpu(op, t);
        if (t.dtype() != DType.I64) {
            throw new IllegalArgumentException(op + ": indices must be I64 but got " + t.dtype() + " (shape "
                    + t.shape() + ")");
        }
    }
}
