package io.jformer.autograd;

import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Graph mechanics: accumulation, shared subexpressions, no-grad scopes, detach and misuse. */
class GraphTest {

    @Test
    void reusedVariableGetsTheSumOfItsPathGradients() {
        // f(x) = x*x + 3x → f'(x) = 2x + 3; x is used on three paths.
        Variable x = Variable.parameter(Tensor.of(new float[]{1, -2, 0.5f}, 3));
        x.mul(x).add(x.mul(3)).sum().backward();
        assertArrayEquals(new float[]{5, -1, 4}, x.grad().toFloatArray(), 1e-6f);
    }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroed() {
        Variable x = Variable.parameter(Tensor.of(new float[]{2, 3}, 2));
        x.mul(x).sum().backward();
        x.mul(x).sum().backward();
        assertArrayEquals(new float[]{8, 12}, x.grad().toFloatArray(), 1e-6f);
        x.zeroGrad();
        assertNull(x.grad());
    }

    /**
     * zeroGrad(false) keeps the buffer as zeros: asked for, it reads zeros; the next backward pass writes its
     * gradient into that same buffer (nothing of the previous step left in it), and a second pass adds to it.
     */
    @Test
    void keptGradientBufferStartsFromZeroAndIsReused() {
        Variable x = Variable.parameter(Tensor.of(new float[]{2, 3}, 2));
        x.mul(x).sum().backward();
        Tensor buffer = x.grad();
        x.zeroGrad(false);
        assertArrayEquals(new float[]{0, 0}, x.grad().toFloatArray());
        assertSame(buffer, x.grad());

        x.mul(x).sum().backward();
        x.zeroGrad(false);
        x.mul(3).sum().backward();
        assertSame(buffer, x.grad());
        assertArrayEquals(new float[]{3, 3}, x.grad().toFloatArray());
        x.mul(3).sum().backward();
        assertArrayEquals(new float[]{6, 6}, x.grad().toFloatArray());
    }

    /**
     * An embedding table's gradient is scattered straight into the leaf's buffer when it starts from zero; every
     * way of reaching it gives the dense path's values bit for bit: the backend's dense scatter-add, added as the
     * engine adds gradients.
     */
    @Test
    void embeddingGradientIsScatteredIntoTheLeafBufferWithTheDenseValues() {
        Tensor table = Tensor.randn(new io.jformer.tensor.Generator(1), 9, 150);
        Tensor ids = Tensor.ofLongs(new long[]{4, 1, 4, 4, 8, 1, 0}, 1, 7);
        Tensor upstream = Tensor.randn(new io.jformer.tensor.Generator(2), 1, 7, 150);
        Tensor tiedUse = Tensor.randn(new io.jformer.tensor.Generator(3), 9, 150);
        float[] dense = io.jformer.tensor.Backends.cpu().embeddingBackward(upstream, ids, 9).toFloatArray();
        Variable w = Variable.parameter(table);

        lookUp(w, ids, upstream).backward();
        assertArrayEquals(dense, w.grad().toFloatArray(), "fresh gradient");
        Tensor buffer = w.grad();
        w.mul(w).sum().backward(); // stale values in the buffer
        w.zeroGrad(false);
        lookUp(w, ids, upstream).backward();
        assertSame(buffer, w.grad(), "the kept buffer is written in place");
        assertArrayEquals(dense, w.grad().toFloatArray(), "into the lazily zeroed buffer");

        lookUp(w, ids, upstream).backward();
        assertArrayEquals(sum(dense, dense), w.grad().toFloatArray(), "accumulated onto the first pass");

        w.zeroGrad(false);
        lookUp(w, ids, upstream).add(w.mul(Variable.constant(tiedUse)).sum()).backward();
        assertArrayEquals(sum(dense, tiedUse.toFloatArray()), w.grad().toFloatArray(), "the table used twice");

        Variable notALeaf = Variable.parameter(table);
        lookUp(notALeaf.mul(1), ids, upstream).backward();
        assertArrayEquals(dense, notALeaf.grad().toFloatArray(), "through an op");
    }

    private static Variable lookUp(Variable table, Tensor ids, Tensor upstream) {
        return Functional.embedding(table, ids).mul(Variable.constant(upstream)).sum();
    }

    private static float[] sum(float[] a, float[] b) {
        float[] s = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            s[i] = a[i] + b[i];
        }
        return s;
    }

    @Test
    void noGradScopeRecordsNothing() {
        Variable x = Variable.parameter(Tensor.ones(2));
        Variable y;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            assertFalse(GradMode.isEnabled());
            y = x.mul(2).sum();
        }
        assertTrue(GradMode.isEnabled());
        assertFalse(y.requiresGrad());
        assertTrue(y.isLeaf());
        assertThrows(IllegalStateException.class, y::backward);
    }

    @Test
    void detachStopsTheGradient() {
        Variable x = Variable.parameter(Tensor.of(new float[]{1, 2}, 2));
        // d/dx [x * detach(x)] = detach(x) only.
        x.mul(x.detach()).sum().backward();
        assertArrayEquals(new float[]{1, 2}, x.grad().toFloatArray(), 1e-6f);
    }

    @Test
    void constantsGetNoGradient() {
        Variable c = Variable.constant(Tensor.ones(2));
        Variable x = Variable.parameter(Tensor.ones(2));
        x.mul(c).sum().backward();
        assertNull(c.grad());
        assertEquals("mul", x.mul(c).op());
    }

    @Test
    void backwardOfANonScalarNeedsAnExplicitGradient() {
        Variable x = Variable.parameter(Tensor.ones(2, 2));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.mul(2).backward());
        assertTrue(e.getMessage().contains("[2, 2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> x.mul(2).backward(Tensor.ones(3)));
    }

    @Test
    void deepChainsDoNotOverflowTheStack() {
        Variable x = Variable.parameter(Tensor.of(new float[]{1}, 1));
        Variable y = x;
        for (int i = 0; i < 20_000; i++) {
            y = y.mul(1.0);
        }
        y.sum().backward();
        assertEquals(1f, x.grad().item(), 0f);
    }

    @Test
    void leafValuesCanBeReplacedButNotReshaped() {
        Variable w = Variable.parameter(Tensor.zeros(2, 3));
        w.setData(Tensor.ones(2, 3));
        assertEquals(6f, w.data().sum().item());
        assertThrows(IllegalArgumentException.class, () -> w.setData(Tensor.ones(3, 2)));
        assertThrows(IllegalStateException.class, () -> w.mul(2).setData(Tensor.ones(2, 3)));
    }
}
