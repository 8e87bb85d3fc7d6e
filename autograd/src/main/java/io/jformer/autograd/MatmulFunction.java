package io.jformer.autograd;

import io.jformer.tensor.DType;
import io.jformer.tensor.Tensor;

/**
 * Matrix product and its backward rule: {@code dA = dC·Bᵀ}, {@code dB = Aᵀ·dC}, summed over broadcast batch
 * dimensions. The transposes are views; the backend multiplies them without copying. Under {@link Autocast}
 * the forward and both backward products take half-precision operands.
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
        DType half = Autocast.operandType();
        Tensor x = a.data();
        Tensor y = b.data();
        return Variable.record("matmul", product(x, y, half), g -> new Tensor[]{
                a.requiresGrad() ? product(g, y.t(), half).sumTo(x.shape()) : null,
                b.requiresGrad() ? rightGradient(x, y, g, half) : null}, a, b);
    }

    /** {@code x·y}, in F32 or, when {@code half} is not null, from operands rounded to it ({@link Autocast}). */
    static Tensor product(Tensor x, Tensor y, DType half) {
        return half == null ? x.matmul(y) : x.matmulReduced(y, half);
    }

    /**
     * {@code dB = Aᵀ·dC} summed over A's batch. When B is one matrix shared by the whole batch (a linear layer's
     * weight) the batch is folded into the inner dimension: one {@code [k, batch·m]·[batch·m, n]} product instead
     * of a stack of per-batch products and a reduction over a {@code batch × k × n} temporary.
     */
    private static Tensor rightGradient(Tensor x, Tensor y, Tensor g, DType half) {
        if (y.rank() == 2 && x.rank() > 2) {
            return product(x.reshape(-1, x.size(-1)).t(), g.reshape(-1, g.size(-1)), half);
        }
        return product(x.t(), g, half).sumTo(y.shape());
    }
}
