package io.jformer.autograd;

import io.jformer.tensor.Generator;
import io.jformer.tensor.Reduction;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.UnaryOp;

import java.util.ArrayList;
import java.util.List;

/**
 * Differentiable functions that take more than one variable or extra tensors (PyTorch's
 * {@code torch.nn.functional}). Single-input ops are methods of {@link Variable}.
 */
public final class Functional {

    /** PyTorch's default {@code ignore_index}. */
    public static final int IGNORE_INDEX = -100;

    private Functional() {
    }

    /** {@code cond != 0 ? a : b}, broadcasting; the condition gets no gradient. */
    public static Variable where(Tensor cond, Variable a, Variable b) {
        return ElementwiseFunctions.where(Variable.constant(cond), a, b);
    }

    /** Concatenation along an existing dimension. */
    public static Variable concat(List<Variable> parts, int dim) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("concat: no variables given");
        }
        return ShapeFunctions.concat(parts, dim);
    }

    /** Stacks equally shaped variables along a new dimension. */
    public static Variable stack(List<Variable> parts, int dim) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("stack: no variables given");
        }
        int d = dim < 0 ? dim + parts.get(0).rank() + 1 : dim;
        List<Variable> expanded = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            if (!parts.get(i).shape().equals(parts.get(0).shape())) {
                throw new io.jformer.tensor.ShapeMismatchException("stack: variable 0 has shape " + parts.get(0).shape()
                        + " but variable " + i + " has shape " + parts.get(i).shape());
            }
            expanded.add(parts.get(i).unsqueeze(d));
        }
        return ShapeFunctions.concat(expanded, d);
    }

    /**
     * {@code softmax(scale·x + mask)} over {@code dim} in one kernel — attention's scale, padding mask and
     * softmax. {@code mask} is additive (0 keeps, a large negative number drops), broadcast to {@code x},
     * and may be null.
     */
    public static Variable softmax(Variable x, int dim, double scale, Variable mask) {
        return SoftmaxFunction.softmax(x, dim, scale, mask, false);
    }

    /**
     * Scaled dot-product attention, {@code softmax(scale·q·kᵀ + mask)·v}: {@code q [..., T, d]},
     * {@code k [..., S, d]}, {@code v [..., S, dv]} → {@code [..., T, dv]}; {@code mask} is additive, broadcast to
     * {@code [..., T, S]}, and may be null. When no gradient is recorded (inference) the backend's fused kernel
     * runs and the scores are never stored; otherwise it is {@code softmax(q·kᵀ)·v} op by op.
     */
    public static Variable scaledDotProductAttention(Variable q, Variable k, Variable v, double scale,
            Variable mask) {
        return AttentionFunction.attention(q, k, v, scale, mask, 0, null);
    }

    /**
     * {@link #scaledDotProductAttention(Variable, Variable, Variable, double, Variable)} with inverted dropout of
     * probability {@code dropoutP} on the attention weights before they multiply v (PyTorch's {@code dropout_p}:
     * pass 0 outside training). Masks come from {@code gen}, as {@link #dropout} draws them.
     */
    public static Variable scaledDotProductAttention(Variable q, Variable k, Variable v, double scale,
            Variable mask, double dropoutP, Generator gen) {
        requireDropoutProbability("attention dropout", dropoutP);
        return AttentionFunction.attention(q, k, v, scale, mask, dropoutP, gen);
    }

    /** {@code log_softmax(scale·x + mask)} over {@code dim}. */
    public static Variable logSoftmax(Variable x, int dim, double scale, Variable mask) {
        return SoftmaxFunction.softmax(x, dim, scale, mask, true);
    }

    /** Layer norm over the last dimension; weight and bias may be null. */
    public static Variable layerNorm(Variable x, Variable weight, Variable bias, double eps) {
        return NormFunctions.layerNorm(x, weight, bias, eps);
    }

    /** {@code x·Wᵀ + b} with {@code W} stored {@code [out, in]} as in PyTorch; bias may be null. */
    public static Variable linear(Variable x, Variable weight, Variable bias) {
        return LinearFunction.linear(x, weight, bias);
    }

    /**
     * {@code activation(x·Wᵀ + b)}: {@code linear(x, weight, bias).unary(activation)}, as one op when no
     * gradient is recorded (the CPU applies the activation while each part of the product is in cache).
     */
    public static Variable linear(Variable x, Variable weight, Variable bias, UnaryOp activation) {
        return LinearFunction.linear(x, weight, bias, activation);
    }

    /** Rows of {@code weight} picked by the I64 {@code ids}. */
    public static Variable embedding(Variable weight, Tensor ids) {
        return EmbeddingFunction.embedding(weight, ids);
    }

    /** Mean cross-entropy of logits {@code [..., C]} against I64 class indices {@code [...]}, ignoring -100. */
    public static Variable crossEntropy(Variable logits, Tensor targets) {
        return crossEntropy(logits, targets, IGNORE_INDEX, Reduction.MEAN);
    }

    /**
     * Cross-entropy (log-softmax and negative log-likelihood in one kernel) of logits {@code [..., C]} against
     * I64 targets of the leading shape. With {@link Reduction#NONE} the result has the targets' shape.
     */
    public static Variable crossEntropy(Variable logits, Tensor targets, int ignoreIndex, Reduction reduction) {
        if (logits.rank() == 2) {
            return LossFunctions.crossEntropy(logits, targets, ignoreIndex, reduction);
        }
        int classes = logits.size(-1);
        Variable flat = logits.reshape(-1, classes);
        Variable loss = LossFunctions.crossEntropy(flat, targets.reshape(-1), ignoreIndex, reduction);
        return reduction == Reduction.NONE ? loss.reshape(targets.shape().toArray()) : loss;
    }

    /**
     * Inverted dropout: in training, zeroes each element with probability {@code p} and scales the rest by
     * {@code 1/(1-p)}; the identity otherwise. The mask comes from {@code gen}, so a seeded run repeats.
     */
    public static Variable dropout(Variable x, double p, boolean training, Generator gen) {
        requireDropoutProbability("dropout", p);
        if (!training || p == 0) {
            return x;
        }
        return DropoutFunction.dropout(x, p, gen);
    }

    private static void requireDropoutProbability(String op, double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException(op + ": probability must be in [0, 1), got " + p);
        }
    }
}
