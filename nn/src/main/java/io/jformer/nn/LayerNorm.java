package io.jformer.nn;

import io.jformer.autograd.Functional;
import io.jformer.autograd.Variable;

/** Layer norm over the last dimension with a learned scale ({@code weight}) and shift ({@code bias}). */
public final class LayerNorm extends Module implements Layer {

    private final Variable weight;
    private final Variable bias;
    private final double eps;

    /**
     * Layer norm over a last dimension of size {@code dim}: parameters {@code weight} (ones) and {@code bias}
     * (zeros).
     */
    public LayerNorm(int dim, double eps) {
        this.weight = parameter("weight", Init.ones(dim));
        this.bias = parameter("bias", Init.zeros(dim));
        this.eps = eps;
    }

    @Override
    public Variable forward(Variable x) {
        return Functional.layerNorm(x, weight, bias, eps);
    }

    /** The epsilon added to the variance. */
    public double eps() {
        return eps;
    }
}
