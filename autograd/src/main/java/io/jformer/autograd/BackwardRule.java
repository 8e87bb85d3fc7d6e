package io.jformer.autograd;

import io.jformer.tensor.Tensor;

/**
 * How an op sends the gradient of its output back to its inputs. Written with backend ops only, so it
 * runs on whatever device the tensors live on.
 */
@FunctionalInterface
public interface BackwardRule {

    /**
     * @param gradOutput the gradient of the loss with respect to the op's output (same shape as the output)
     * @return one gradient per input, each with that input's shape; null for an input that needs none
     */
    Tensor[] apply(Tensor gradOutput);
}
