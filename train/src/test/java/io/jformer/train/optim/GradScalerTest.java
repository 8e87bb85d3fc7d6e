package io.jformer.train.optim;

import io.jformer.autograd.Variable;
import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loss-scale state machine against PyTorch's GradScaler rules (defaults 2^16, ×2 per 2000, ×0.5). */
class GradScalerTest {

    private static Variable withGrad(float... g) {
        Variable p = Variable.parameter(Tensor.zeros(g.length));
        p.setGrad(Tensor.of(g, g.length));
        return p;
    }

    @Test
    void scalesTheLossAndUnscalesGradientsExactlyForPowersOfTwo() {
        GradScaler s = new GradScaler();
        Variable loss = Variable.parameter(Tensor.scalar(0.75));
        assertEquals(0.75f * 65536, s.scale(loss).data().item());
        Variable p = withGrad(65536f, -131072f, 0f);
        s.unscale(List.of(p));
        assertArrayEquals(new float[]{1f, -2f, 0f}, p.grad().toFloatArray());
        assertFalse(s.shouldSkip());
    }

    @Test
    void overflowSkipsTheStepAndHalvesTheScaleThenCleanStepsGrowIt() {
        GradScaler s = new GradScaler(1024, 2, 0.5, 3);
        s.unscale(List.of(withGrad(1f, Float.POSITIVE_INFINITY)));
        assertTrue(s.shouldSkip());
        s.update(1);
        assertEquals(512, s.scale());
        s.unscale(List.of(withGrad(Float.NaN)));
        assertTrue(s.shouldSkip());
        s.update(2);
        assertEquals(256, s.scale());
        for (int step = 3; step <= 5; step++) {
            s.unscale(List.of(withGrad(1f)));
            assertFalse(s.shouldSkip());
            s.update(step);
        }
        assertEquals(512, s.scale(), "grown after 3 clean steps in a row");
        assertEquals(List.of(512.0, 256.0, 512.0), s.history().stream().map(GradScaler.ScaleChange::scale).toList());
        assertEquals(5, s.history().get(2).step());
    }

    /** PyTorch's scaler.step(optimizer): unscales unless already done, runs the step only on finite gradients. */
    @Test
    void stepUnscalesOnceAndRunsTheOptimizerOnlyOnFiniteGradients() {
        GradScaler s = new GradScaler(4, 2, 0.5, 2000);
        Variable p = withGrad(8f, -4f);
        int[] ran = {0};
        assertTrue(s.step(List.of(p), () -> ran[0]++));
        assertEquals(1, ran[0]);
        assertArrayEquals(new float[]{2f, -1f}, p.grad().toFloatArray(), "unscaled by the step");
        s.update(1);

        Variable q = withGrad(8f);
        s.unscale(List.of(q));
        assertTrue(s.step(List.of(q), () -> ran[0]++));
        assertArrayEquals(new float[]{2f}, q.grad().toFloatArray(), "not unscaled a second time");
        s.update(2);

        assertFalse(s.step(List.of(withGrad(Float.NaN)), () -> ran[0]++));
        assertEquals(2, ran[0], "no step on a NaN gradient");
        s.update(3);
        assertEquals(2, s.scale());
    }

    @Test
    void anOverflowResetsTheCleanStepCount() {
        GradScaler s = new GradScaler(8, 2, 0.5, 2);
        s.unscale(List.of(withGrad(1f)));
        s.update(1);
        s.unscale(List.of(withGrad(Float.NEGATIVE_INFINITY)));
        s.update(2);
        s.unscale(List.of(withGrad(1f)));
        s.update(3);
        assertEquals(4, s.scale(), "one clean step after the overflow is not yet two");
        assertEquals(1, s.cleanSteps());
    }

    @Test
    void misuseIsAnError() {
        GradScaler s = new GradScaler();
        assertThrows(IllegalStateException.class, s::shouldSkip);
        assertThrows(IllegalStateException.class, () -> s.update(1));
        s.unscale(List.of());
        assertThrows(IllegalStateException.class, () -> s.unscale(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new GradScaler(1, 0.5, 0.5, 10));
    }
}
