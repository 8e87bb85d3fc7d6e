package io.jformer.bert;

import io.jformer.autograd.Functional;
import io.jformer.autograd.Variable;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.jformer.bert.BertGradientParityTest.assertClose;
import static io.jformer.bert.BertGradientParityTest.maxAbs;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention of a few queries with the key and value projections folded into the query side (what the
 * [CLS]-only last layer runs) against the plain form: projected keys and values for every token.
 *
 * <p>Tolerances. The folded form sums the same products in another order ({@code (W_kᵀq)·x} for
 * {@code q·(W_k x)}), so values agree to float rounding of sums of ~50 terms: observed 4e-7 of the largest
 * magnitude, held to 2e-6. Gradients pass through softmax's backward (a difference of two sums) and the
 * reordered products again, so each is held to 1e-5 of its tensor's largest magnitude. The key bias's gradient
 * is zero in exact arithmetic (softmax ignores a shift shared by every score); both sides leave rounding of the
 * terms that cancel, which are of the key weight's gradient's size (observed 1e-7 of it), so it is held to 1e-5
 * of that. A lost term (the value bias, the mask, one head's rows of a weight) is off by orders of magnitude more.
 */
class BertSelfAttentionTest {

    private static final BertConfig CONFIG = new BertConfig(50, 48, 1, 4, 96, "gelu", 0.1, 0.1, 64, 2, 0.02,
            1e-12, 0, null, List.of("a", "b"));
    private static final int BATCH = 3;
    private static final int SEQ = 11;
    private static final int QUERIES = 2;

    @Test
    void foldedProjectionsGiveThePlainAttentionsRowsAndGradients() {
        BertSelfAttention folded = new BertSelfAttention(CONFIG, new Generator(1), new Generator(2));
        BertSelfAttention plain = new BertSelfAttention(CONFIG, new Generator(1), new Generator(2));
        randomise(folded, plain);
        folded.eval();
        plain.eval();
        assertTrue(folded.foldsProjections(QUERIES, SEQ), "the shapes of this test must take the folded path");
        Tensor input = Tensor.randn(new Generator(3), BATCH, SEQ, CONFIG.hiddenSize());
        Tensor dy = Tensor.randn(new Generator(4), BATCH, QUERIES, CONFIG.hiddenSize());
        Variable mask = Variable.constant(paddingMask());

        Variable xFolded = Variable.parameter(input.contiguous());
        Variable yFolded = folded.forward(xFolded.narrow(1, 0, QUERIES), xFolded, mask);
        Variable xPlain = Variable.parameter(input.contiguous());
        Variable yPlain = plain.forward(xPlain, xPlain, mask).narrow(1, 0, QUERIES);
        yFolded.mul(Variable.constant(dy)).sum().backward();
        yPlain.mul(Variable.constant(dy)).sum().backward();

        float[] expected = yPlain.data().contiguous().toFloatArray();
        assertClose("context", expected, yFolded.data().contiguous().toFloatArray(), 0, 2e-6 * maxAbs(expected));
        float[] dx = xPlain.grad().toFloatArray();
        assertClose("input gradient", dx, xFolded.grad().toFloatArray(), 1e-9, 1e-5 * maxAbs(dx));
        var plainParams = plain.namedParameters();
        double keyScale = maxAbs(plainParams.get("key.weight").grad().toFloatArray());
        folded.namedParameters().forEach((name, p) -> {
            float[] g = plainParams.get(name).grad().toFloatArray();
            double atol = name.equals("key.bias") ? 1e-5 * keyScale : 0;
            assertClose("gradient of " + name, g, p.grad().toFloatArray(), atol, 1e-5 * maxAbs(g));
        });
    }

    /**
     * With dropout the weights no longer sum to one, so the value bias enters scaled by their sum: the folded
     * form against the plain one computed here with the same mask, drawn again from a generator of the same seed
     * (tolerance as above).
     */
    @Test
    void withDropoutTheValueBiasIsScaledByTheKeptWeights() {
        BertSelfAttention folded = new BertSelfAttention(CONFIG, new Generator(1), new Generator(7));
        randomise(folded);
        folded.train(true);
        Tensor x = Tensor.randn(new Generator(3), BATCH, SEQ, CONFIG.hiddenSize());
        Tensor mask = paddingMask();
        int heads = CONFIG.numAttentionHeads();
        int d = CONFIG.headSize();

        Variable y = folded.forward(Variable.constant(x.narrow(1, 0, 1)), Variable.constant(x), Variable.constant(mask));

        var p = folded.namedParameters();
        Tensor q = heads(x.narrow(1, 0, 1).linear(p.get("query.weight").data(), p.get("query.bias").data()));
        Tensor k = heads(x.linear(p.get("key.weight").data(), p.get("key.bias").data()));
        Tensor v = heads(x.linear(p.get("value.weight").data(), p.get("value.bias").data()));
        Tensor scores = q.matmul(k.transpose(2, 3)).mul(1.0 / Math.sqrt(d)).add(mask);
        Tensor kept = Functional.dropout(Variable.constant(Tensor.ones(BATCH, heads, 1, SEQ)), 0.1, true,
                new Generator(7)).data();
        Tensor context = scores.softmax(3).mul(kept).matmul(v).permute(0, 2, 1, 3).reshape(BATCH, 1, heads * d);

        float[] expected = context.contiguous().toFloatArray();
        float[] actual = y.data().contiguous().toFloatArray();
        assertClose("context with dropout", expected, actual, 0, 2e-6 * maxAbs(expected));
        float[] noDropout = Functional.softmax(Variable.constant(scores), 3, 1, null).data().matmul(v)
                .permute(0, 2, 1, 3).reshape(BATCH, 1, heads * d).contiguous().toFloatArray();
        assertFalse(java.util.Arrays.equals(noDropout, actual), "dropout must change the context");
    }

    @Test
    void manyQueriesAreProjectedAsUsual() {
        BertSelfAttention attention = new BertSelfAttention(CONFIG, new Generator(1), new Generator(2));
        assertTrue(attention.foldsProjections(1, 2), "one query always folds");
        assertFalse(attention.foldsProjections(SEQ, SEQ), "every token's query is cheaper projected");
    }

    /** The same random weights and biases in every module (biases start at zero, which would hide a lost bias). */
    private static void randomise(BertSelfAttention... modules) {
        Generator gen = new Generator(11);
        java.util.Map<String, Tensor> state = new java.util.LinkedHashMap<>();
        modules[0].namedParameters().forEach((name, p) ->
                state.put(name, Tensor.randn(gen, p.data().shape().toArray()).mul(0.2)));
        for (BertSelfAttention m : modules) {
            assertTrue(m.loadStateDict(state).isComplete());
        }
    }

    private static Tensor heads(Tensor t) {
        return t.reshape(t.size(0), t.size(1), CONFIG.numAttentionHeads(), CONFIG.headSize()).permute(0, 2, 1, 3);
    }

    /** Additive, [B,1,1,T]: the second row padded after 6 tokens, the third after 9. */
    private static Tensor paddingMask() {
        float[] m = new float[BATCH * SEQ];
        int[] lengths = {SEQ, 6, 9};
        for (int b = 0; b < BATCH; b++) {
            for (int t = lengths[b]; t < SEQ; t++) {
                m[b * SEQ + t] = -10000f;
            }
        }
        return Tensor.of(m, BATCH, 1, 1, SEQ);
    }
}
