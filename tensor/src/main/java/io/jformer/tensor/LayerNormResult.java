package io.jformer.tensor;

/**
 * Output of a layer norm and the per-row statistics its backward pass reuses.
 *
 * @param output the normalised, scaled and shifted tensor
 * @param mean   per-row mean, shape {@code x.shape[:-1]}
 * @param rstd   per-row 1/sqrt(var + eps), same shape as {@code mean}
 */
public record LayerNormResult(Tensor output, Tensor mean, Tensor rstd) {
}
