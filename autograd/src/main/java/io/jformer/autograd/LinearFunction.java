package io.jformer.autograd;

import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;

/**
 * {@code y = x·Wᵀ + b} as one graph node. The bias is added in place into the fresh product, so a linear layer
 * makes one activation tensor instead of two; the backward rule multiplies with the batch folded into rows:
 * {@code dX = dY·W}, {@code dW = dYᵀ·X} over all rows at once, {@code db} = dY summed over rows.
 */
final class LinearFunction {

    private LinearFunction() {
    }

    static Variable linear(Variable x, Variable weight, Variable bias) {
        if (weight.rank() != 2 || x.rank() == 0) {
            throw new ShapeMismatchException("linear: input of shape " + x.shape() + " and weight of shape "
                    + weight.shape() + ": the weight must be [out_features, in_features] and the input at least 1-D");
        }
        if (bias != null && (bias.rank() != 1 || bias.size(0) != weight.size(0))) {
            throw new ShapeMismatchException("linear: bias of shape " + bias.shape() + " does not fit weight of shape "
                    + weight.shape() + " (expected [" + weight.size(0) + "])");
        }
        Tensor xd = x.data();
        Tensor w = weight.data();
        Tensor y = xd.matmul(w.t());
        if (bias != null) {
            y.addInPlace(bias.data());
        }
        int in = w.size(1);
        int out = w.size(0);
        return Variable.record("linear", y, g -> {
            Tensor rows = g.reshape(-1, out);
            return new Tensor[]{
                    x.requiresGrad() ? g.matmul(w) : null,
                    weight.requiresGrad() ? rows.t().matmul(xd.reshape(-1, in)) : null,
                    bias != null && bias.requiresGrad() ? rows.sum(false, 0) : null};
        }, x, weight, bias);
    }
}
