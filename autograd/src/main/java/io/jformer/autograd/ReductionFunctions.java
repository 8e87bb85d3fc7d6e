package io.jformer.autograd;

import io.jformer.tensor.ReduceOp;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;

/** Reductions and their backward rules: the gradient is broadcast back over the reduced dimensions. */
final class ReductionFunctions {

    private ReductionFunctions() {
    }

    static Variable sum(Variable a, boolean keepDim, int... dims) {
        Tensor x = a.data();
        Tensor out = x.reduce(ReduceOp.SUM, keepDim, dims);
        return Variable.record("sum", out, g -> new Tensor[]{spread(g, x.shape(), dims)}, a);
    }

    static Variable mean(Variable a, boolean keepDim, int... dims) {
        Tensor x = a.data();
        Tensor out = x.reduce(ReduceOp.MEAN, keepDim, dims);
        int count = out.numel() == 0 ? 1 : x.numel() / Math.max(1, out.numel());
        return Variable.record("mean", out, g -> new Tensor[]{spread(g, x.shape(), dims).div(count)}, a);
    }

    static Variable extremum(Variable a, boolean max, boolean keepDim, int... dims) {
        Tensor x = a.data();
        Tensor kept = x.reduce(max ? ReduceOp.MAX : ReduceOp.MIN, true, dims);
        Tensor out = keepDim ? kept : x.reduce(max ? ReduceOp.MAX : ReduceOp.MIN, false, dims);
        return Variable.record(max ? "max" : "min", out, g -> {
            Tensor hits = x.eq(kept);
            Tensor share = hits.div(hits.sum(true, dims));
            return new Tensor[]{spread(g, x.shape(), dims).mul(share)};
        }, a);
    }

    /** Broadcasts a reduced gradient back to the input shape (as a contiguous tensor). */
    static Tensor spread(Tensor g, Shape inputShape, int[] dims) {
        int[] keep = inputShape.toArray();
        if (dims.length == 0) {
            java.util.Arrays.fill(keep, 1);
        } else {
            for (int d : dims) {
                keep[inputShape.normalize(d)] = 1;
            }
        }
        return g.reshape(keep).expand(inputShape.toArray()).contiguous();
    }
}
