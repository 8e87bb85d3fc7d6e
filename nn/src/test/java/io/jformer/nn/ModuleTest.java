package io.jformer.nn;

import io.jformer.autograd.GradCheck;
import io.jformer.autograd.Variable;
import io.jformer.tensor.DType;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Reduction;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModuleTest {

    /** A two-layer block shaped like a BERT feed-forward sub-layer, to exercise nested names. */
    static final class FeedForward extends Module implements Layer {
        final Linear intermediate;
        final Linear output;
        final LayerNorm norm;
        final Dropout dropout;

        FeedForward(Generator gen) {
            intermediate = child("intermediate", new Linear(4, 6, true, gen, 0.5));
            output = child("output", new Linear(6, 4, true, gen, 0.5));
            norm = child("LayerNorm", new LayerNorm(4, 1e-12));
            dropout = child("dropout", new Dropout(0.1, gen));
        }

        @Override
        public Variable forward(Variable x) {
            Variable h = Activation.gelu().forward(intermediate.forward(x));
            return norm.forward(dropout.forward(output.forward(h)).add(x));
        }
    }

    @Test
    void parameterNamesAreDottedPathsInRegistrationOrder() {
        FeedForward ff = new FeedForward(new Generator(1));
        assertEquals(List.of("intermediate.weight", "intermediate.bias", "output.weight", "output.bias",
                "LayerNorm.weight", "LayerNorm.bias"), List.copyOf(ff.namedParameters().keySet()));
        assertEquals(4 * 6 + 6 + 6 * 4 + 4 + 4 + 4, ff.parameterCount());
    }

    @Test
    void stateDictRoundTripsIntoAFreshModule() {
        FeedForward a = new FeedForward(new Generator(1));
        FeedForward b = new FeedForward(new Generator(2));
        LoadReport report = b.loadStateDict(a.stateDict());
        assertTrue(report.isComplete(), report.toString());
        a.stateDict().forEach((k, v) -> assertArrayEquals(v.toFloatArray(), b.stateDict().get(k).toFloatArray(), k));
        assertNotSame(a.stateDict().get("output.weight"), b.stateDict().get("output.weight"));
    }

    @Test
    void loadingReportsMissingAndUnexpectedKeysAndConvertsHalfPrecision() {
        FeedForward ff = new FeedForward(new Generator(1));
        Map<String, Tensor> state = new HashMap<>(ff.stateDict());
        state.remove("LayerNorm.bias");
        state.put("pooler.dense.weight", Tensor.zeros(2, 2));
        state.put("output.bias", Tensor.of(new float[]{1.5f, -2, 0.25f, 3}, 4).to(DType.BF16));
        LoadReport report = new FeedForward(new Generator(3)).loadStateDict(state);
        assertEquals(List.of("LayerNorm.bias"), report.missingKeys());
        assertEquals(List.of("pooler.dense.weight"), report.unexpectedKeys());
        FeedForward target = new FeedForward(new Generator(3));
        target.loadStateDict(state);
        assertEquals(DType.F32, target.stateDict().get("output.bias").dtype());
        assertArrayEquals(new float[]{1.5f, -2, 0.25f, 3}, target.stateDict().get("output.bias").toFloatArray());
    }

    @Test
    void shapeMismatchNamesTheKeyAndBothShapes() {
        FeedForward ff = new FeedForward(new Generator(1));
        Map<String, Tensor> state = new HashMap<>(ff.stateDict());
        state.put("intermediate.weight", Tensor.zeros(6, 5));
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> ff.loadStateDict(state));
        assertTrue(e.getMessage().contains("intermediate.weight") && e.getMessage().contains("[6, 5]")
                && e.getMessage().contains("[6, 4]"), e.getMessage());
    }

    @Test
    void evalModeReachesEveryDescendantAndTurnsDropoutOff() {
        FeedForward ff = new FeedForward(new Generator(1));
        ff.eval();
        assertFalse(ff.dropout.isTraining());
        Variable x = Variable.constant(Tensor.randn(new Generator(9), 3, 4));
        assertArrayEquals(ff.forward(x).data().toFloatArray(), ff.forward(x).data().toFloatArray());
        ff.train(true);
        assertTrue(ff.norm.isTraining());
    }

    @Test
    void dropoutZeroesAboutPAndRescalesTheRest() {
        Dropout d = new Dropout(0.25, new Generator(4));
        float[] y = d.forward(Variable.constant(Tensor.ones(100_000))).data().toFloatArray();
        int zeros = 0;
        for (float v : y) {
            if (v == 0) {
                zeros++;
            } else {
                assertEquals(1 / 0.75f, v, 1e-6f);
            }
        }
        // Binomial(100000, 0.25): standard deviation ≈ 137; 6σ ≈ 820.
        assertEquals(25_000, zeros, 820);
    }

    @Test
    void gradientsThroughAWholeModulePassGradCheck() {
        FeedForward ff = new FeedForward(new Generator(5));
        ff.eval();
        GradCheck.assertGradients(v -> ff.forward(v[0]), Tensor.randn(new Generator(6), 3, 4));
    }

    @Test
    void mseMatchesItsDefinitionAndRejectsBroadcasting() {
        Variable p = Variable.parameter(Tensor.of(new float[]{1, 2, 3}, 3));
        Variable t = Variable.constant(Tensor.of(new float[]{0, 2, 5}, 3));
        assertEquals((1 + 0 + 4) / 3f, Losses.mse(p, t, Reduction.MEAN).data().item(), 1e-6f);
        assertEquals(5f, Losses.mse(p, t, Reduction.SUM).data().item(), 1e-6f);
        assertThrows(ShapeMismatchException.class,
                () -> Losses.mse(p, Variable.constant(Tensor.zeros(3, 1)), Reduction.MEAN));
        GradCheck.assertGradients(v -> Losses.mse(v[0], v[1], Reduction.MEAN), Tensor.randn(new Generator(1), 2, 3),
                Tensor.randn(new Generator(2), 2, 3));
    }

    @Test
    void activationsByHuggingFaceName() {
        assertEquals(io.jformer.tensor.UnaryOp.GELU, Activation.byName("gelu").op());
        assertEquals(io.jformer.tensor.UnaryOp.GELU_TANH, Activation.byName("gelu_new").op());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Activation.byName("swish2"));
        assertTrue(e.getMessage().contains("swish2"));
    }

    @Test
    void linearRejectsAWrongInputWidthNamingBothShapes() {
        Linear l = new Linear(4, 2, true, new Generator(1), 0.02);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> l.forward(Variable.constant(Tensor.zeros(3, 5))));
        assertTrue(e.getMessage().contains("[3, 5]") && e.getMessage().contains("[2, 4]"), e.getMessage());
    }
}
