package io.jformer.autograd;

import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused graph nodes against the plain compositions they replace. GradCheck (OpGradientTest) already holds
 * each against finite differences; here the question is whether the fusion changed anything.
 */
class FusedFunctionsTest {

    private final Inputs in = new Inputs(21);

    /**
     * Linear as one node (the bias starting the product's sums, batch folded into the weight gradient's inner
     * dimension) against matmul, then add. The value sums the same terms in another order (the bias first, not
     * last): each is within (k + 2)·2⁻²⁴·(|b| + Σ|x·w|) of the exact value, k = 24, so they differ by at most
     * twice that. The weight gradient sums the batch in a different order, so it is held to 4·k·2⁻²⁴·Σ|terms|
     * with k = 2·50 rows: the bound on two float sums of those terms in different orders, with a factor 4 to spare.
     */
    @Test
    void linearNodeMatchesMatmulThenAdd() {
        LinearInputs li = linearInputs();
        Tensor x = li.x();
        Tensor w = li.w();
        Tensor b = li.b();
        Tensor dy = li.dy();
        Variable[] fused = li.parameters();
        Variable[] plain = li.parameters();
        Variable yf = Functional.linear(fused[0], fused[1], fused[2]);
        Variable yp = plain[0].matmul(plain[1].t()).add(plain[2]);
        Tensor forwardScale = x.abs().matmul(w.abs().t()).add(b.abs());
        Tensor forwardExcess = yp.data().sub(yf.data()).abs().sub(forwardScale.mul(2 * 26 * Math.pow(2, -24)));
        assertTrue(forwardExcess.max(false).item() <= 0, "forward differs beyond reordering");
        assertTrue(yp.data().sub(yf.data()).abs().max(false).item() > 0, "test bug: the bias should start the sums");
        yf.backward(dy);
        yp.backward(dy);
        // Σ|terms| per weight-gradient element: |dy|ᵀ·|x| over all 100 rows.
        Tensor scale = dy.abs().reshape(-1, 16).t().matmul(x.abs().reshape(-1, 24));
        double bound = 4 * 100 * Math.pow(2, -24);
        Tensor excess = fused[1].grad().sub(plain[1].grad()).abs().sub(scale.mul(bound));
        assertTrue(excess.max(false).item() <= 0, "weight gradient differs beyond reordering");
        assertTrue(fused[0].grad().sub(plain[0].grad()).abs().max(false).item() == 0, "input gradient");
        Tensor biasScale = dy.abs().reshape(-1, 16).sum(false, 0);
        assertTrue(fused[2].grad().sub(plain[2].grad()).abs().sub(biasScale.mul(bound)).max(false).item() <= 0,
                "bias gradient");
    }

    /**
     * A linear layer with its activation: with a gradient to record, the linear node then the activation's (the
     * backward needs the value in between), giving the same gradients as writing the two; without one, a single
     * constant whose values are the two ops' bit for bit.
     */
    @Test
    void linearWithActivationRecordsBothNodesOrFusesWithoutGradient() {
        LinearInputs li = linearInputs();
        Tensor dy = li.dy();
        Variable[] fused = li.parameters();
        Variable[] plain = li.parameters();
        Variable yf = Functional.linear(fused[0], fused[1], fused[2], UnaryOp.GELU);
        Variable yp = Functional.linear(plain[0], plain[1], plain[2]).gelu();
        assertEquals(yp.op(), yf.op());
        assertArrayEquals(yp.data().toFloatArray(), yf.data().toFloatArray());
        yf.backward(dy);
        yp.backward(dy);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(plain[i].grad().toFloatArray(), fused[i].grad().toFloatArray(), "gradient " + i);
        }

        try (GradMode.Scope ignored = GradMode.noGrad()) {
            Variable y = Functional.linear(fused[0], fused[1], fused[2], UnaryOp.GELU);
            assertTrue(y.isLeaf() && !y.requiresGrad(), "no graph without gradient mode");
            assertArrayEquals(yp.data().toFloatArray(), y.data().toFloatArray());
        }
    }

    /** x [2, 50, 24], a 24 -> 16 layer's weight and bias, and an output gradient dy [2, 50, 16]. */
    private record LinearInputs(Tensor x, Tensor w, Tensor b, Tensor dy) {

        /** Fresh parameters holding x, w and b, for one graph: each call gives a graph of its own. */
        Variable[] parameters() {
            return new Variable[]{Variable.parameter(x), Variable.parameter(w), Variable.parameter(b)};
        }
    }

    private LinearInputs linearInputs() {
        return new LinearInputs(in.normal(2, 50, 24), in.normal(16, 24), in.normal(16), in.normal(2, 50, 16));
    }

    /** q, k, v and an additive mask for attention over 2 sequences of 3 heads, 10 queries and 12 keys. */
    private record AttentionInputs(Tensor q, Tensor k, Tensor v, Variable mask) {
    }

    private AttentionInputs attentionInputs() {
        return new AttentionInputs(in.normal(2, 3, 10, 4), in.normal(2, 3, 12, 4), in.normal(2, 3, 12, 5),
                Variable.constant(in.normal(2, 1, 1, 12)));
    }

    /**
     * Attention runs the backend's fused kernel when there is no gradient to record and the composition when there
     * is: the two values must be the same bits (the fused kernel sums exactly as the composition does), so a model
     * scores the same in evaluation as in training mode without dropout.
     */
    @Test
    void attentionWithoutGradientsIsTheRecordedValue() {
        AttentionInputs x = attentionInputs();
        Variable recorded = Functional.scaledDotProductAttention(Variable.parameter(x.q()), Variable.parameter(x.k()),
                Variable.parameter(x.v()), 0.5, x.mask());
        assertTrue(recorded.requiresGrad());
        Variable fused;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            fused = Functional.scaledDotProductAttention(Variable.parameter(x.q()), Variable.parameter(x.k()),
                    Variable.parameter(x.v()), 0.5, x.mask());
        }
        assertTrue(!fused.requiresGrad());
        float[] a = recorded.data().toFloatArray();
        float[] b = fused.data().toFloatArray();
        for (int i = 0; i < a.length; i++) {
            assertEquals(Float.floatToIntBits(a[i]), Float.floatToIntBits(b[i]), "element " + i);
        }
    }

    /**
     * Attention dropout is softmax, {@link Functional#dropout} with the same generator, then ·v: the same bits, with
     * or without a gradient recorded (dropout forces the composition even then), and p = 0 is plain attention.
     */
    @Test
    void attentionDropoutIsDropoutOfTheWeights() {
        AttentionInputs x = attentionInputs();
        Variable scores = Variable.constant(x.q()).matmul(Variable.constant(x.k()).t());
        Variable weights = Functional.softmax(scores, -1, 0.5, x.mask());
        Tensor expected = Functional.dropout(weights, 0.2, true, new Generator(4)).matmul(Variable.constant(x.v()))
                .data();
        Variable recorded = Functional.scaledDotProductAttention(Variable.parameter(x.q()), Variable.parameter(x.k()),
                Variable.parameter(x.v()), 0.5, x.mask(), 0.2, new Generator(4));
        Variable constant = Functional.scaledDotProductAttention(Variable.constant(x.q()), Variable.constant(x.k()),
                Variable.constant(x.v()), 0.5, x.mask(), 0.2, new Generator(4));
        Variable plain = Functional.scaledDotProductAttention(Variable.constant(x.q()), Variable.constant(x.k()),
                Variable.constant(x.v()), 0.5, x.mask());
        Variable noDropout = Functional.scaledDotProductAttention(Variable.constant(x.q()), Variable.constant(x.k()),
                Variable.constant(x.v()), 0.5, x.mask(), 0, null);
        float[] e = expected.toFloatArray();
        float[] r = recorded.data().toFloatArray();
        float[] c = constant.data().toFloatArray();
        float[] pl = plain.data().toFloatArray();
        float[] nd = noDropout.data().toFloatArray();
        boolean differs = false;
        for (int i = 0; i < e.length; i++) {
            assertEquals(Float.floatToIntBits(e[i]), Float.floatToIntBits(r[i]), "recorded, element " + i);
            assertEquals(Float.floatToIntBits(e[i]), Float.floatToIntBits(c[i]), "constant, element " + i);
            assertEquals(Float.floatToIntBits(pl[i]), Float.floatToIntBits(nd[i]), "p = 0, element " + i);
            differs |= e[i] != pl[i];
        }
        assertTrue(differs, "dropout changed nothing");
    }

    /** The backward pass redraws the mask: it must be the very mask of the forward pass. */
    @Test
    void dropoutBackwardUsesTheForwardMask() {
        Tensor x = in.normal(64, 300).abs().add(0.5); // no zeros, so y == 0 exactly where a unit was dropped
        Variable v = Variable.parameter(x);
        double p = 0.3;
        Variable y = Functional.dropout(v, p, true, new Generator(9));
        Tensor dy = in.normal(64, 300);
        y.backward(dy);
        float[] yv = y.data().toFloatArray();
        float[] g = v.grad().toFloatArray();
        float[] d = dy.toFloatArray();
        int dropped = 0;
        for (int i = 0; i < yv.length; i++) {
            float expected = yv[i] == 0 ? 0f : d[i] * (float) (1 / (1 - p));
            if (yv[i] == 0) {
                dropped++;
            }
            assertTrue(expected == g[i], "element " + i + ": expected " + expected + ", got " + g[i]); // -0 == 0
        }
        // 19,200 draws at p = 0.3: the dropped count is 5760 ± 64 (one standard deviation).
        assertTrue(Math.abs(dropped - 5760) < 400, "dropped " + dropped);
    }
}
