package io.jformer.tensor;

/** Gradients of a layer norm with respect to its input, weight and bias. */
public record LayerNormGradients(Tensor dx, Tensor dWeight, Tensor dBias) {
}
