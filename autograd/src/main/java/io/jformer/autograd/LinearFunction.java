package io.jformer.autograd;

import io.jformer.tensor.Tensor;

/**
 * {@code y = x·Wᵀ + b} as one graph node and one backend op ({@link Tensor#linear}: on the CPU the bias starts
 * the product's sums, so a linear layer makes one activation tensor in one pass); the backward rule multiplies
 * with the batch folded into rows: {@code dX = dY·W}, {@code dW = dYᵀ·X} over all rows at once, {@code db} = dY
 * summed over rows.
 */
final class LinearFunction {

    private LinearFunction() {
    }

    static Variable linear(Variable x, Variable weight, Variable bias) {
        Tensor xd = x.data();
        Tensor w = weight.data();
        Tensor y = xd.linear(w, bias == null ? null : bias.data());
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
