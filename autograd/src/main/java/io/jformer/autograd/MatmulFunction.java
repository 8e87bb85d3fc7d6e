package io.jformer.autograd;

import io.jformer.tensor.Tensor;

/**
 * Matrix product and its backward rule: {@code dA = dC·Bᵀ}, {@code dB = Aᵀ·dC}, summed over broadcast batch
 * dimensions. The transposes are views; the backend multiplies them without copying.
 */
final class MatmulFunction {

    private MatmulFunction() {
    }

    static Variable matmul(Variable a, Variable b) {
        // 1-D operands become matrices so one rule covers every case; the squeezes carry their own gradients.
        if (a.rank() == 1) {
            return matmul(a.unsqueeze(0), b).squeeze(b.rank() == 1 ? 0 : -2);
        }
        if (b.rank() == 1) {
            return matmul(a, b.unsqueeze(1)).squeeze(-1);
        }
        Tensor x = a.data();
        Tensor y = b.data();
        return Variable.record("matmul", x.matmul(y), g -> new Tensor[]{
                a.requiresGrad() ? g.matmul(y.t()).sumTo(x.shape()) : null,
                b.requiresGrad() ? rightGradient(x, y, g) : null}, a, b);
    }

    /**
     * {@code dB = Aᵀ·dC} summed over A's batch. When B is one matrix shared by the whole batch (a linear layer's
     * weight) the batch is folded into the inner dimension: one {@code [k, batch·m]·[batch·m, n]} product instead
     * of a stack of per-batch products and a reduction over a {@code batch × k × n} temporary.
     */
    private static Tensor rightGradient(Tensor x, Tensor y, Tensor g) {
        if (y.rank() == 2 && x.rank() > 2) {
            return x.reshape(-1, x.size(-1)).t().matmul(g.reshape(-1, g.size(-1)));
        }
        return x.t().matmul(g).sumTo(y.shape());
    }
}
