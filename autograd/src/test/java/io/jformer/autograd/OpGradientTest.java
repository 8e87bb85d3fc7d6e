package io.jformer.autograd;

import io.jformer.tensor.Generator;
import io.jformer.tensor.Reduction;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static io.jformer.autograd.GradCheck.assertGradients;

/**
 * Every differentiable op against central finite differences ({@link GradCheck}, fp32 tolerances), on
 * broadcast shapes and on non-contiguous inputs: a function that transposes or slices its input before
 * the op makes the op see a strided view and its backward rule return a gradient for one.
 */
class OpGradientTest {

    private final Inputs in = new Inputs(42);

    @Test
    void addAndSubBroadcast() {
        assertGradients(v -> v[0].add(v[1]), in.normal(3, 1, 4), in.normal(2, 4));
        assertGradients(v -> v[0].sub(v[1]), in.normal(2, 4), in.normal(3, 1, 4));
        assertGradients(v -> v[0].add(3.5).sub(v[1].sum()), in.normal(5), in.normal(2, 2));
    }

    @Test
    void mulAndDivBroadcastOnTransposedInputs() {
        assertGradients(v -> v[0].t().mul(v[1]), in.normal(4, 3), in.normal(3, 1));
        assertGradients(v -> v[0].div(v[1].t()), in.normal(2, 3), in.uniform(1, 2, 3, 1));
    }

    @Test
    void powWithTensorAndScalarExponent() {
        assertGradients(v -> v[0].pow(v[1]), in.uniform(0.5, 2, 3, 4), in.uniform(-1, 2, 4));
        assertGradients(v -> v[0].pow(3), in.normal(6));
    }

    @Test
    void maximumAndMinimumRouteToTheWinner() {
        Tensor a = in.normal(3, 4);
        Tensor b = a.add(in.awayFromZero(0.2, 3, 4));
        assertGradients(v -> v[0].maximum(v[1]), a, b);
        assertGradients(v -> v[0].minimum(v[1]), a, b);
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryOpsOnStridedInput(UnaryOp op) {
        Tensor x = switch (op) {
            case LOG, SQRT, RSQRT -> in.uniform(0.5, 2, 5, 6);
            case ABS, RELU -> in.awayFromZero(0.05, 5, 6);
            default -> in.normal(5, 6);
        };
        // Slicing every other column makes the op read a view with stride 2.
        assertGradients(v -> v[0].slice(1, 0, 6, 2).unary(op), x);
        assertGradients(v -> v[0].t().unary(op), x);
    }

    @Test
    void whereAndMaskedFill() {
        Tensor cond = Tensor.of(new float[]{1, 0, 0, 1, 1, 0}, 2, 3);
        assertGradients(v -> Functional.where(cond, v[0], v[1]), in.normal(2, 3), in.normal(3));
        assertGradients(v -> v[0].maskedFill(cond, -5), in.normal(2, 3));
    }

    @Test
    void sumAndMeanOverAnyDims() {
        Tensor x = in.normal(2, 3, 4);
        assertGradients(v -> v[0].sum(), x);
        assertGradients(v -> v[0].sum(false, 1), x);
        assertGradients(v -> v[0].sum(true, 0, 2), x);
        assertGradients(v -> v[0].mean(), x);
        assertGradients(v -> v[0].mean(true, -1), x);
        assertGradients(v -> v[0].permute(2, 0, 1).mean(false, 0, 1), x);
    }

    @Test
    void maxAndMinOverDims() {
        Tensor x = in.distinct(3, 4, 5);
        assertGradients(v -> v[0].max(false, 2), x);
        assertGradients(v -> v[0].max(true, 0, 1), x);
        assertGradients(v -> v[0].min(false, 1), x);
        assertGradients(v -> v[0].t().max(false, 0), x);
    }

    @Test
    void viewsAndCopies() {
        Tensor x = in.normal(2, 3, 4);
        assertGradients(v -> v[0].reshape(6, 4).mul(v[0].reshape(6, 4)), x);
        assertGradients(v -> v[0].permute(2, 0, 1).contiguous().mul(2), x);
        assertGradients(v -> v[0].narrow(2, 1, 2).square(), x);
        assertGradients(v -> v[0].slice(1, 0, 3, 2).select(0, 1).square(), x);
        assertGradients(v -> v[0].narrow(0, 1, 1).expand(5, 3, 4).square(), x);
        assertGradients(v -> v[0].unsqueeze(1).squeeze(1).tanh(), x);
    }

    @Test
    void indexSelectAddsRepeatedIndices() {
        Tensor idx = Tensor.ofLongs(new long[]{2, 0, 2, 1}, 4);
        assertGradients(v -> v[0].indexSelect(1, idx).square(), in.normal(3, 3));
        assertGradients(v -> v[0].t().indexSelect(0, idx).square(), in.normal(2, 3));
    }

    @Test
    void concatAndStack() {
        assertGradients(v -> Functional.concat(List.of(v[0], v[1].t()), 1).square(), in.normal(2, 3), in.normal(4, 2));
        assertGradients(v -> Functional.stack(List.of(v[0], v[1]), 1).tanh(), in.normal(2, 3), in.normal(2, 3));
    }

    @Test
    void matmulEveryForm() {
        assertGradients(v -> v[0].matmul(v[1]), in.normal(3, 4), in.normal(4, 5));
        assertGradients(v -> v[0].t().matmul(v[1].t()), in.normal(4, 3), in.normal(5, 4));
        assertGradients(v -> v[0].matmul(v[1]), in.normal(2, 1, 3, 4), in.normal(3, 4, 2));
        assertGradients(v -> v[0].matmul(v[1]), in.normal(4), in.normal(2, 4, 3));
        assertGradients(v -> v[0].matmul(v[1]), in.normal(3, 4), in.normal(4));
        assertGradients(v -> v[0].matmul(v[1]), in.normal(4), in.normal(4));
    }

    @Test
    void softmaxAndLogSoftmaxWithScaleAndMask() {
        Tensor x = in.normal(2, 3, 4);
        Tensor mask = Tensor.of(new float[]{0, 0, -10000, 0, 0, 0, 0, -10000}, 2, 1, 4);
        assertGradients(v -> v[0].softmax(-1), x);
        assertGradients(v -> v[0].softmax(1), x);
        assertGradients(v -> v[0].logSoftmax(0), x);
        assertGradients(v -> Functional.softmax(v[0], -1, 0.5, Variable.constant(mask)), x);
        assertGradients(v -> Functional.logSoftmax(v[0].transpose(1, 2), 1, 2.0, null), x);
        // A mask that itself requires a gradient (learned biases such as ALiBi).
        assertGradients(v -> Functional.softmax(v[0], -1, 0.5, v[1]), x, in.normal(2, 1, 4));
    }

    @Test
    void scaledDotProductAttention() {
        Tensor mask = Tensor.of(new float[]{0, 0, -10000, 0, 0, 0, 0, 0, 0, -10000}, 2, 1, 1, 5);
        assertGradients(v -> Functional.scaledDotProductAttention(v[0], v[1], v[2], 0.5, Variable.constant(mask)),
                in.normal(2, 2, 3, 4), in.normal(2, 2, 5, 4), in.normal(2, 2, 5, 3));
        // A mask that itself requires a gradient (learned biases such as ALiBi).
        assertGradients(v -> Functional.scaledDotProductAttention(v[0], v[1], v[2], 1.0, v[3]),
                in.normal(1, 3, 4), in.normal(1, 5, 4), in.normal(1, 5, 2), in.normal(1, 3, 5));
        // With dropout on the weights: a fresh generator per evaluation, so every evaluation drops the same units.
        assertGradients(v -> Functional.scaledDotProductAttention(v[0], v[1], v[2], 0.5, Variable.constant(mask),
                        0.3, new Generator(3)),
                in.normal(2, 2, 3, 4), in.normal(2, 2, 5, 4), in.normal(2, 2, 5, 3));
    }

    @Test
    void layerNormWithAndWithoutAffine() {
        Tensor x = in.normal(3, 2, 8);
        Tensor w = in.uniform(0.5, 1.5, 8);
        Tensor b = in.normal(8);
        assertGradients(v -> Functional.layerNorm(v[0], v[1], v[2], 1e-5), x, w, b);
        assertGradients(v -> Functional.layerNorm(v[0].transpose(0, 1), null, null, 1e-12), x);
    }

    @Test
    void embeddingScatterAddsRepeatedIds() {
        Tensor ids = Tensor.ofLongs(new long[]{3, 1, 3, 0, 3, 2}, 2, 3);
        assertGradients(v -> Functional.embedding(v[0], ids).tanh(), in.normal(5, 4));
    }

    @Test
    void crossEntropyEveryReduction() {
        Tensor targets = Tensor.ofLongs(new long[]{1, -100, 3, 0}, 4);
        Tensor logits = in.normal(4, 5);
        for (Reduction r : Reduction.values()) {
            assertGradients(v -> Functional.crossEntropy(v[0], targets, -100, r), logits);
        }
        Tensor targets3d = Tensor.ofLongs(new long[]{1, 2, 0, 4, 4, 3}, 2, 3);
        assertGradients(v -> Functional.crossEntropy(v[0].transpose(1, 2), targets3d), in.normal(2, 5, 3));
    }

    @Test
    void linearAndDropoutWithAFixedMask() {
        assertGradients(v -> Functional.linear(v[0], v[1], v[2]), in.normal(2, 3, 4), in.normal(5, 4), in.normal(5));
        // A fresh generator with the same seed on every call, so each finite-difference evaluation drops the same units.
        assertGradients(v -> Functional.dropout(v[0], 0.3, true, new Generator(5)), in.normal(4, 6));
    }
}
