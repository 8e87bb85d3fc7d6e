package io.jformer.bert;

import io.jformer.autograd.Variable;
import io.jformer.nn.Losses;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.jformer.bert.BertGradientParityTest.assertClose;
import static io.jformer.bert.BertGradientParityTest.maxAbs;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link BertModel#forwardPooled} runs the last layer for [CLS] alone; it must give what the full model gives at
 * that position, forward and backward. (Both ways are also checked against PyTorch in
 * {@link BertGradientParityTest}.)
 *
 * <p>Tolerances. Forward, the layers below the last run the same kernels on the same rows; the last folds its key
 * and value projections into [CLS]'s query ({@link BertSelfAttentionTest}), which sums the same products in
 * another order: observed 4e-8 of the largest pooled magnitude (the pooler's tanh damps it), held to 1e-6. Backward, the full model adds the last layer's zero gradients of the other
 * tokens into the layer below in another order, and layer norm's backward (a difference of two row means)
 * magnifies that rounding: observed at most 1.3e-5 of a tensor's largest gradient, so each gradient is held to
 * 1e-4 of its own largest magnitude, plus 1e-10 absolute for the key biases, whose gradient is zero in exact
 * arithmetic (softmax ignores a shift shared by every score) and ~1e-12 of rounding in both. A lost term (a key
 * row, the mask, the residual) is off by far more.
 */
class ForwardPooledTest {

    private static final BertConfig CONFIG = new BertConfig(120, 48, 3, 4, 96, "gelu", 0.1, 0.1, 64, 2, 0.02,
            1e-12, 0, null, List.of("a", "b", "c"));

    @Test
    void pooledOutputEqualsTheFullModelsWithPadding() {
        BertModel model = new BertModel(CONFIG, true, new Generator(3), new Generator(4));
        model.eval();
        Batch b = batch();

        float[] full = model.forward(b.ids, b.types, b.mask).pooled().data().toFloatArray();
        float[] shortcut = model.forwardPooled(b.ids, b.types, b.mask).data().toFloatArray();

        assertClose("pooled", full, shortcut, 1e-7, 1e-6 * maxAbs(full));
    }

    @Test
    void everyGradientEqualsTheFullModels() {
        BertForSequenceClassification full = classifier();
        BertForSequenceClassification shortcut = classifier();
        full.setLastLayerForAllTokens(true);
        Batch b = batch();

        float[] fullLogits = backward(full, b);
        float[] shortLogits = backward(shortcut, b);

        assertClose("logits", fullLogits, shortLogits, 1e-7, 1e-6 * maxAbs(fullLogits));
        Map<String, Variable> expected = full.namedParameters();
        shortcut.namedParameters().forEach((name, p) -> {
            float[] g = expected.get(name).grad().toFloatArray();
            assertClose("gradient of " + name, g, p.grad().toFloatArray(), 1e-10, 1e-4 * maxAbs(g));
        });
    }

    @Test
    void withoutAPoolerItSaysSo() {
        BertModel model = new BertModel(CONFIG, false, new Generator(3), new Generator(4));
        Batch b = batch();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> model.forwardPooled(b.ids, b.types, b.mask));
        assertTrue(e.getMessage().contains("without a pooler"), e.getMessage());
    }

    private static BertForSequenceClassification classifier() {
        BertForSequenceClassification m = new BertForSequenceClassification(CONFIG, new Generator(5),
                new Generator(6));
        m.eval();
        return m;
    }

    private static float[] backward(BertForSequenceClassification model, Batch b) {
        Variable logits = model.forward(b.ids, b.types, b.mask);
        Losses.crossEntropy(logits, Tensor.ofLongs(new long[]{0, 2, 1}, 3)).backward();
        return logits.data().toFloatArray();
    }

    private record Batch(Tensor ids, Tensor types, Tensor mask) {
    }

    /** Three rows of 11 tokens, the second padded after 6 and the third after 9, two token types. */
    private static Batch batch() {
        int seq = 11;
        long[] ids = new long[3 * seq];
        long[] types = new long[3 * seq];
        long[] mask = new long[3 * seq];
        java.util.Random r = new java.util.Random(7);
        int[] lengths = {seq, 6, 9};
        for (int row = 0; row < 3; row++) {
            for (int t = 0; t < seq; t++) {
                ids[row * seq + t] = t == 0 ? 1 : 2 + r.nextInt(CONFIG.vocabSize() - 2);
                types[row * seq + t] = t > lengths[row] / 2 ? 1 : 0;
                mask[row * seq + t] = t < lengths[row] ? 1 : 0;
            }
        }
        return new Batch(Tensor.ofLongs(ids, 3, seq), Tensor.ofLongs(types, 3, seq), Tensor.ofLongs(mask, 3, seq));
    }
}
