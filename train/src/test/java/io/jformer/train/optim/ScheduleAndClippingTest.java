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

class ScheduleAndClippingTest {

    @Test
    void linearScheduleRisesThenFallsToZero() {
        LinearSchedule s = new LinearSchedule(1e-3, 4, 10);
        // Hugging Face: step/warmup during warm-up, then (total - step)/(total - warmup).
        double[] expected = {0, 0.25e-3, 0.5e-3, 0.75e-3, 1e-3, 5e-3 / 6, 4e-3 / 6, 3e-3 / 6, 2e-3 / 6, 1e-3 / 6, 0};
        for (int step = 0; step <= 10; step++) {
            assertEquals(expected[step], s.rate(step), 1e-15, "step " + step);
        }
        LinearSchedule card = new LinearSchedule(2e-5, 0, 4689);
        assertEquals(2e-5, card.rate(0), 0);
        assertEquals(2e-5 / 4689, card.rate(4688), 1e-18);
        assertEquals(3, LinearSchedule.withWarmupRatio(1, 0.1, 25).warmupSteps()); // ceil(2.5)
        assertThrows(IllegalArgumentException.class, () -> new LinearSchedule(1, 11, 10));
    }

    @Test
    void clippingScalesToTheMaxNormAndReportsTheNormBefore() {
        Variable a = Variable.parameter(Tensor.zeros(2));
        Variable b = Variable.parameter(Tensor.zeros(1));
        a.setGrad(Tensor.of(new float[]{3, 0}, 2));
        b.setGrad(Tensor.of(new float[]{4}, 1));
        double norm = GradientClipping.clip(List.of(a, b), 1.0);
        assertEquals(5.0, norm, 1e-12);
        double coef = 1.0 / (5.0 + 1e-6);
        assertArrayEquals(new float[]{(float) (3 * coef), 0}, a.grad().toFloatArray(), 1e-7f);
        assertArrayEquals(new float[]{(float) (4 * coef)}, b.grad().toFloatArray(), 1e-7f);
        // Below the limit nothing changes.
        a.setGrad(Tensor.of(new float[]{0.3f, 0}, 2));
        b.setGrad(null);
        assertEquals(0.3, GradientClipping.clip(List.of(a, b), 1.0), 1e-7);
        assertArrayEquals(new float[]{0.3f, 0}, a.grad().toFloatArray());
    }

    @Test
    void weightDecaySkipsBiasesAndLayerNorm() {
        assertTrue(AdamW.decays("bert.encoder.layer.0.attention.self.query.weight"));
        assertFalse(AdamW.decays("bert.encoder.layer.0.attention.self.query.bias"));
        assertFalse(AdamW.decays("bert.embeddings.LayerNorm.weight"));
        assertTrue(AdamW.decays("classifier.weight"));
    }

    @Test
    void optimizerStateRoundTripsAndRejectsUnknownNames() {
        Variable w = Variable.parameter(Tensor.ones(3));
        AdamW opt = new AdamW(java.util.Map.of("w", w), 0.1, AdamW.Hyper.DEFAULTS);
        w.setGrad(Tensor.of(new float[]{1, -2, 3}, 3));
        opt.step();
        AdamW copy = new AdamW(java.util.Map.of("w", Variable.parameter(Tensor.ones(3))), 0.1, AdamW.Hyper.DEFAULTS);
        copy.restore(opt.stateTensors(), opt.stepCount());
        assertEquals(1, copy.stepCount());
        assertArrayEquals(opt.stateTensors().get("w.exp_avg_sq").toFloatArray(),
                copy.stateTensors().get("w.exp_avg_sq").toFloatArray());
        assertThrows(IllegalArgumentException.class,
                () -> copy.restore(java.util.Map.of("v.exp_avg", Tensor.zeros(3)), 1));
    }
}
