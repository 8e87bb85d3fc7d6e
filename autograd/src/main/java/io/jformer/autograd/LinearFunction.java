package io.jformer.autograd;

import io.jformer.tensor.DType;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.UnaryOp;

/**
 * {@code y = x·Wᵀ + b} as one graph node and one backend op ({@link Tensor#linear}: on the CPU the bias starts
 * the product's sums, so a linear layer makes one activation tensor in one pass); the backward rule multiplies
 * with the batch folded into rows: {@code dX = dY·W}, {@code dW = dYᵀ·X} over all rows at once, {@code db} = dY
 * summed over rows. Under {@link Autocast} all three products take half-precision operands.
 */
final class LinearFunction {

    private LinearFunction() {
    }

    static Variable linear(Variable x, Variable weight, Variable bias) {
        DType half = Autocast.operandType();
        Tensor xd = x.data();
        Tensor w = weight.data();
        Tensor b = bias == null ? null : bias.data();
        Tensor y = half == null ? xd.linear(w, b) : xd.linearReduced(w, b, null, half);
        int in = w.size(1);
        int out = w.size(0);
        return Variable.record("linear", y, g -> {
            Tensor rows = g.reshape(-1, out);
            return new Tensor[]{
                    x.requiresGrad() ? MatmulFunction.product(g, w, half) : null,
                    weight.requiresGrad() ? MatmulFunction.product(rows.t(), xd.reshape(-1, in), half) : null,
                    bias != null && bias.requiresGrad() ? rows.sum(false, 0) : null};
        }, x, weight, bias);
    }

    /**
     * {@code activation(x·Wᵀ + b)}. With no gradient to record nothing needs the value before the activation,
     * so it is one backend op ({@link Tensor#linear(Tensor, Tensor, UnaryOp)}: on the CPU the activation runs
     * on each strip of the product while it is in L1); otherwise the two ops, whose backward needs it.
     */
    static Variable linear(Variable x, Variable weight, Variable bias, UnaryOp activation) {
        if (Variable.recordsGradient(x, weight, bias)) {
            return linear(x, weight, bias).unary(activation);
        }
        DType half = Autocast.operandType();
        Tensor b = bias == null ? null : bias.data();
        return Variable.constant(half == null ? x.data().linear(weight.data(), b, activation)
                : x.data().linearReduced(weight.data(), b, activation, half));
    }
}
