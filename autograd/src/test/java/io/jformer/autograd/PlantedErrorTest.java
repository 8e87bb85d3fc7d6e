package io.jformer.autograd;

import io.jformer.tensor.LayerNormGradients;
import io.jformer.tensor.LayerNormResult;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GradCheck must catch a backward rule that is wrong by 1%. Each case rebuilds an engine op through
 * {@link Variable#record} with its real backward kernel, once exact and once with the gradient scaled by
 * 1.01; the exact one must pass and the planted one must fail.
 */
class PlantedErrorTest {

    private static final double PLANTED = 1.01;
    private final Inputs in = new Inputs(7);

    private static Variable tanh(Variable x, double gradScale) {
        Tensor input = x.data();
        Tensor y = input.tanh();
        return Variable.record("tanh", y,
                g -> new Tensor[]{input.backend().unaryBackward(UnaryOp.TANH, input, y, g).mul(gradScale)}, x);
    }

    private static Variable matmul(Variable a, Variable b, double gradScaleB) {
        Tensor x = a.data();
        Tensor w = b.data();
        return Variable.record("matmul", x.matmul(w),
                g -> new Tensor[]{g.matmul(w.t()), x.t().matmul(g).mul(gradScaleB)}, a, b);
    }

    private static Variable layerNorm(Variable x, Variable w, Variable b, double weightGradScale) {
        Tensor input = x.data();
        LayerNormResult r = input.backend().layerNorm(input, w.data(), b.data(), 1e-5);
        return Variable.record("layer_norm", r.output(), g -> {
            LayerNormGradients lg = input.backend().layerNormBackward(g, input, w.data(), r.mean(), r.rstd());
            return new Tensor[]{lg.dx(), lg.dWeight().mul(weightGradScale), lg.dBias()};
        }, x, w, b);
    }

    @Test
    void exactTanhRulePassesAndOnePercentOffFails() {
        Tensor x = in.normal(4, 5);
        assertTrue(GradCheck.check(GradCheck.Tolerance.FP32, v -> tanh(v[0], 1.0), x).passed());
        GradCheck.Report planted = GradCheck.check(GradCheck.Tolerance.FP32, v -> tanh(v[0], PLANTED), x);
        assertFalse(planted.passed(), planted::toString);
    }

    @Test
    void onePercentErrorInOneInputOfMatmulIsCaught() {
        Tensor a = in.normal(3, 4);
        Tensor b = in.normal(4, 2);
        assertTrue(GradCheck.check(GradCheck.Tolerance.FP32, v -> matmul(v[0], v[1], 1.0), a, b).passed());
        GradCheck.Report planted = GradCheck.check(GradCheck.Tolerance.FP32, v -> matmul(v[0], v[1], PLANTED), a, b);
        assertFalse(planted.passed(), planted::toString);
        assertTrue(planted.mismatches().stream().allMatch(m -> m.input() == 1),
                "only the planted input's gradient is wrong: " + planted);
    }

    @Test
    void onePercentErrorInLayerNormWeightGradientIsCaught() {
        Tensor x = in.normal(3, 6);
        Tensor w = in.uniform(0.5, 1.5, 6);
        Tensor b = in.normal(6);
        assertTrue(GradCheck.check(GradCheck.Tolerance.FP32, v -> layerNorm(v[0], v[1], v[2], 1.0), x, w, b).passed());
        AssertionError failure = assertThrows(AssertionError.class,
                () -> GradCheck.assertGradients(v -> layerNorm(v[0], v[1], v[2], PLANTED), x, w, b));
        assertTrue(failure.getMessage().contains("input 1"), failure.getMessage());
    }
}
