package io.jformer.tensor;

/**
 * A cross-entropy loss and the per-row log-sum-exp of the logits that its backward pass reuses.
 *
 * @param loss      scalar for MEAN/SUM, {@code [N]} for NONE
 * @param logSumExp {@code [N]}
 */
public record CrossEntropyResult(Tensor loss, Tensor logSumExp) {
}
