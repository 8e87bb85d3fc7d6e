package io.jformer.nn;

import io.jformer.autograd.Functional;
import io.jformer.autograd.Variable;
import io.jformer.tensor.Generator;

/** {@code y = x·Wᵀ + b} with {@code W} stored {@code [out, in]} (PyTorch's layout and state-dict names). */
public final class Linear extends Module implements Layer {

    private final Variable weight;
    private final Variable bias;

    /** Weights Normal(0, std²), bias zero (BERT's initialisation). */
    public Linear(int in, int out, boolean bias, Generator gen, double std) {
        this.weight = parameter("weight", Init.normal(gen, std, out, in));
        this.bias = bias ? parameter("bias", Init.zeros(out)) : null;
    }

    @Override
    public Variable forward(Variable x) {
        requireInput(x);
        return Functional.linear(x, weight, bias);
    }

    /**
     * {@code activation(forward(x))}; without a gradient to record, one op that applies the activation while
     * each part of the product is still in cache.
     */
    public Variable forward(Variable x, Activation activation) {
        requireInput(x);
        return Functional.linear(x, weight, bias, activation.op());
    }

    private void requireInput(Variable x) {
        if (x.size(-1) != weight.size(1)) {
            throw new io.jformer.tensor.ShapeMismatchException("Linear: input of shape " + x.shape()
                    + " does not match weight of shape " + weight.shape() + " (expects last dimension " + weight.size(1) + ")");
        }
    }

    /** The weight, {@code [out, in]}. */
    public Variable weight() {
        return weight;
    }

    /** The bias, or null when the layer has none. */
    public Variable bias() {
        return bias;
    }
}
