package io.jformer.nn;

import io.jformer.autograd.Functional;
import io.jformer.autograd.Variable;
import io.jformer.tensor.Reduction;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;

/** Training losses (PyTorch semantics). */
public final class Losses {

    private Losses() {
    }

    /** Mean cross-entropy of logits {@code [..., C]} against I64 class ids, ignoring -100. */
    public static Variable crossEntropy(Variable logits, Tensor labels) {
        return Functional.crossEntropy(logits, labels);
    }

    /** Cross-entropy with an explicit ignore index and reduction. */
    public static Variable crossEntropy(Variable logits, Tensor labels, int ignoreIndex, Reduction reduction) {
        return Functional.crossEntropy(logits, labels, ignoreIndex, reduction);
    }

    /** Squared error {@code (prediction - target)²}, reduced; shapes must match exactly (no silent broadcast). */
    public static Variable mse(Variable prediction, Variable target, Reduction reduction) {
        if (!prediction.shape().equals(target.shape())) {
            throw new ShapeMismatchException("mse: prediction of shape " + prediction.shape()
                    + " and target of shape " + target.shape() + " differ");
        }
        Variable sq = prediction.sub(target).square();
        return switch (reduction) {
            case MEAN -> sq.mean();
            case SUM -> sq.sum();
            case NONE -> sq;
        };
    }
}
