package io.jformer.examples;

import io.jformer.autograd.Functional;
import io.jformer.autograd.GradCheck;
import io.jformer.autograd.Variable;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The custom module's gradients, checked against central finite differences. */
class GatedLinearUnitTest {

    // snippet:start gradcheck
    @Test
    void theGateOpsBackwardRuleMatchesFiniteDifferences() {
        Generator gen = new Generator(1);
        GradCheck.assertGradients(v -> GatedLinearUnit.gate(v[0], v[1]),
                Tensor.randn(gen, 3, 5), Tensor.randn(gen, 3, 5));
    }

    @Test
    void theWholeUnitHasCorrectGradientsForInputAndWeights() {
        Generator gen = new Generator(2);
        // The module's computation with its weights as inputs, so every parameter's gradient is checked too.
        GradCheck.assertGradients(
                v -> GatedLinearUnit.gate(Functional.linear(v[0], v[1], v[2]), Functional.linear(v[0], v[3], v[4])),
                Tensor.randn(gen, 4, 6),                          // x [batch, in]
                Tensor.randn(gen, 3, 6), Tensor.randn(gen, 3),    // value weight [out, in], bias [out]
                Tensor.randn(gen, 3, 6), Tensor.randn(gen, 3));   // gate weight, bias
    }
    // snippet:end

    @Test
    void theModuleComputesTheCheckedFunctionAndFillsEveryParameterGradient() {
        GatedLinearUnit glu = new GatedLinearUnit(6, 3, new Generator(3));
        Variable x = Variable.constant(Tensor.randn(new Generator(4), 4, 6));
        var p = glu.namedParameters();
        Variable expected = GatedLinearUnit.gate(Functional.linear(x, p.get("value.weight"), p.get("value.bias")),
                Functional.linear(x, p.get("gate.weight"), p.get("gate.bias")));
        Variable y = glu.forward(x);
        assertEquals(0f, y.data().sub(expected.data()).abs().max(false).item());

        y.sum().backward();
        assertEquals(4, p.size());
        p.forEach((name, param) -> assertNotNull(param.grad(), name));
    }

    @Test
    void mismatchedShapesAreRejectedWithBothShapes() {
        Variable a = Variable.constant(Tensor.zeros(2, 3));
        Variable b = Variable.constant(Tensor.zeros(3, 2));
        var e = assertThrows(IllegalArgumentException.class, () -> GatedLinearUnit.gate(a, b));
        assertEquals("gate: shapes [2, 3] and [3, 2] differ", e.getMessage());
    }
}
