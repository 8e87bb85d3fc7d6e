package io.jformer.autograd;

import io.jformer.tensor.Tensor;

/** Fused {@code softmax(scale·x + mask)} (or its log) and its backward rule. */
final class SoftmaxFunction {

    private SoftmaxFunction() {
    }

    static Variable softmax(Variable x, int dim, double scale, Variable mask, boolean log) {
        Tensor in = x.data();
        int d = in.shape().normalize(dim);
        Tensor m = mask == null ? null : mask.data();
        Tensor y = in.backend().softmax(in, d, scale, m, log);
        return Variable.record(log ? "log_softmax" : "softmax", y, g -> {
            Tensor dScaled = in.backend().softmaxBackward(y, g, d, scale, log);
            // d/dmask = d/d(scale·x) = dx / scale: the mask enters after the scaling.
            Tensor dMask = mask != null && mask.requiresGrad() ? dScaled.div(scale).sumTo(m.shape()) : null;
            return new Tensor[]{dScaled, dMask};
        }, x, mask);
    }
}
