package io.jformer.train;

import io.jformer.autograd.Variable;
import io.jformer.bert.BertCheckpoint;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.tensor.Tensor;
import io.jformer.train.data.Batcher;
import io.jformer.train.optim.AdamW;
import io.jformer.train.optim.GradScaler;
import io.jformer.train.optim.LinearSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mixed-precision step's overflow path, which a healthy run takes rarely: under autocast the backward
 * products round the scaled gradients to F16, whose largest value is 65504, so a loss scale far above the
 * default 2^16 turns them into inf and the sums into NaN. The step must then leave the weights and the
 * optimizer's moments untouched, report itself skipped (no gradient norm), clear the gradients, and halve the
 * scale, until the scale fits and steps are taken again, as PyTorch's GradScaler does.
 */
class UpdaterMixedPrecisionTest {

    @TempDir
    Path tmp;

    @Test
    void overflowingStepsAreSkippedAndTheScaleBacksOffUntilOneFits() throws IOException {
        Path dir = TinySetup.modelDir(tmp, 0.0);
        BertForSequenceClassification model = BertCheckpoint.loadClassifier(dir, null, 1, -1).model();
        Batcher data = new Batcher(TinySetup.examples(16, 3), TinySetup.tokenizer(dir), 8);
        int[] order = data.order(0, 0, false, false);
        AdamW optimizer = new AdamW(model.namedParameters(), 1e-3, AdamW.Hyper.DEFAULTS);
        // This tiny model's gradients overflow F16 from a scale of about 2^40 (checked by hand: finite at 2^16,
        // NaN at 2^40); from 2^30 each skipped step halves the scale until the products' values fit.
        int start = 30;
        GradScaler scaler = new GradScaler(Math.pow(2, start), 2.0, 0.5, 2000);
        Updater updater = new Updater(model, optimizer, new LinearSchedule(1e-3, 0, 100), 1.0, 1, scaler);

        // Copied: the state dict's tensors are the parameters themselves, which AdamW updates in place.
        Map<String, float[]> before = new java.util.LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> before.put(k, v.toFloatArray()));
        int skipped = 0;
        Updater.StepStats stats = null;
        for (long step = 1; step <= 40; step++) {
            updater.accumulate(data.batch(order, (int) (step % 2)));
            stats = updater.apply(step);
            if (!stats.skipped()) {
                break;
            }
            skipped++;
            assertTrue(Double.isNaN(stats.gradNorm()), "a skipped step has no gradient norm");
            assertEquals(Math.pow(2, start - skipped + 1), stats.lossScale(), "the scale this step's backward used");
            assertEquals(Math.pow(2, start - skipped), scaler.scale(), "halved after the overflow");
            for (Variable p : model.parameters()) {
                Tensor g = p.grad();
                assertTrue(g == null || g.abs().max(false).item() == 0, "gradients cleared for the next step");
            }
            Map<String, Tensor> now = model.stateDict();
            before.forEach((k, v) -> assertArrayEquals(v, now.get(k).toFloatArray(), k));
            assertTrue(optimizer.stateTensors().isEmpty(), "no moments before the first real step");
        }
        assertTrue(skipped >= 1, "2^" + start + " overflows F16 gradients, yet no step was skipped");
        assertFalse(stats.skipped(), "a scale that fits was reached within 40 steps");
        assertTrue(scaler.scale() >= Math.pow(2, 10), "backed off no further than needed: " + scaler.scale());
        assertTrue(Double.isFinite(stats.gradNorm()) && stats.gradNorm() > 0, "a real step: " + stats.gradNorm());
        assertEquals(skipped, scaler.history().size(), "one back-off per skipped step: " + scaler.history());
        assertTrue(scaler.history().stream().allMatch(c -> c.reason().contains("skipped")), scaler.history().toString());
        Map<String, Tensor> after = model.stateDict();
        assertTrue(before.keySet().stream().anyMatch(k -> !java.util.Arrays.equals(before.get(k),
                after.get(k).toFloatArray())), "the first step that fits updates the weights");
        assertEquals(1, optimizer.stepCount(), "AdamW counted only the step it took");
    }
}
