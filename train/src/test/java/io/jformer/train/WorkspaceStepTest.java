package io.jformer.train;

import io.jformer.autograd.Variable;
import io.jformer.bert.BertConfig;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.nn.Losses;
import io.jformer.tensor.Backends;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.Workspace;
import io.jformer.train.optim.AdamW;
import io.jformer.train.optim.GradientClipping;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Recycling memory must not change a single bit of training: three steps (dropout on, clipping, AdamW) in a
 * Workspace with gradient buffers kept between steps, against the same steps with none of that. The model is
 * large enough that every activation is pooled, and the suite runs with {@code jformer.workspace.poison}, so a
 * tensor read after its memory went back to the pool would turn the loss into NaN here.
 */
class WorkspaceStepTest {

    private static final int BATCH = 4;
    private static final int SEQ = 64;

    @Test
    void aStepInAWorkspaceMatchesAPlainStepBitForBit() {
        Run plain = train(false);
        long reusedBefore = Backends.cpu().pooledReuseCount();
        Run pooled = train(true);
        assertTrue(Backends.cpu().pooledReuseCount() - reusedBefore > 100,
                "the workspace run should take most of its activations from the pool");
        assertEquals(plain.losses, pooled.losses);
        for (String name : plain.params.keySet()) {
            float[] a = plain.params.get(name);
            float[] b = pooled.params.get(name);
            for (int i = 0; i < a.length; i++) {
                if (a[i] != b[i]) {
                    throw new AssertionError(name + "[" + i + "]: " + a[i] + " without a workspace, " + b[i] + " with");
                }
            }
        }
    }

    private record Run(List<Float> losses, Map<String, float[]> params) {
    }

    private static Run train(boolean workspace) {
        BertConfig c = new BertConfig(300, 128, 2, 4, 512, "gelu", 0.1, 0.1, SEQ, 2, 0.02, 1e-12, 0, null,
                List.of("negative", "positive"));
        BertForSequenceClassification model = new BertForSequenceClassification(c, new Generator(7), new Generator(8));
        AdamW optimizer = new AdamW(model.namedParameters(), 1e-3, AdamW.Hyper.DEFAULTS);
        Random r = new Random(3);
        List<Float> losses = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            long[] ids = new long[BATCH * SEQ];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = 5 + r.nextInt(295);
            }
            long[] labels = new long[BATCH];
            for (int i = 0; i < BATCH; i++) {
                labels[i] = r.nextInt(2);
            }
            Tensor idsT = Tensor.ofLongs(ids, BATCH, SEQ);
            Tensor labelsT = Tensor.ofLongs(labels, BATCH);
            model.train(true);
            if (workspace) {
                try (Workspace ignored = Workspace.open()) {
                    losses.add(backward(model, idsT, labelsT));
                }
            } else {
                losses.add(backward(model, idsT, labelsT));
            }
            GradientClipping.clip(model.parameters(), 0.5);
            optimizer.step();
            model.zeroGrad(!workspace);
        }
        Map<String, float[]> params = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> params.put(name, p.data().toFloatArray()));
        return new Run(losses, params);
    }

    private static float backward(BertForSequenceClassification model, Tensor ids, Tensor labels) {
        Variable loss = Losses.crossEntropy(model.forward(ids, null, null), labels);
        loss.backward();
        return loss.data().item();
    }
}
