package io.jformer.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The softmax kernels take a vector path for contiguous rows (attention's case) and a scalar path for strided
 * ones; the strided path is the plain reference. Rows of 203 elements exercise whole vectors and a tail.
 */
class SoftmaxPathsTest {

    private final Generator gen = new Generator(31);

    /** The same values, laid out with rows strided (stored transposed, viewed back). */
    private static Tensor strided(Tensor t) {
        return t.t().contiguous().t();
    }

    @Test
    void forwardWithScaleAndMaskIsBitIdenticalOnBothPaths() {
        Tensor x = Tensor.randn(gen, 6, 203);
        Tensor mask = Tensor.randn(gen, 6, 203).mul(3);
        Backend cpu = Backends.cpu();
        for (boolean log : new boolean[]{false, true}) {
            Tensor fast = cpu.softmax(x, 1, 0.125, mask, log);
            Tensor plain = cpu.softmax(strided(x), 1, 0.125, strided(mask), log);
            float[] a = fast.toFloatArray();
            float[] b = plain.toFloatArray();
            for (int i = 0; i < a.length; i++) {
                assertEquals(Float.floatToIntBits(b[i]), Float.floatToIntBits(a[i]), "log=" + log + ", element " + i);
            }
        }
    }

    /**
     * Backward: the vector path sums the dot product ⟨dy, y⟩ in lanes, so it may differ from the sequential sum by
     * the reordering bound 2·n·2⁻²⁴·Σ|dy·y|; that difference reaches dx multiplied by |scale·y|, plus a few
     * roundings of dx itself.
     */
    @Test
    void backwardMatchesTheStridedPathWithinReorderingBound() {
        Backend cpu = Backends.cpu();
        Tensor y = cpu.softmax(Tensor.randn(gen, 6, 203), 1, 1.0, null, false);
        Tensor dy = Tensor.randn(gen, 6, 203);
        double scale = 0.125;
        float[] fast = cpu.softmaxBackward(y, dy, 1, scale, false).toFloatArray();
        float[] plain = cpu.softmaxBackward(strided(y), strided(dy), 1, scale, false).toFloatArray();
        float[] yv = y.toFloatArray();
        float[] dyv = dy.toFloatArray();
        double eps = Math.pow(2, -24);
        for (int r = 0; r < 6; r++) {
            double absDot = 0;
            for (int i = 0; i < 203; i++) {
                absDot += Math.abs(yv[r * 203 + i] * dyv[r * 203 + i]);
            }
            for (int i = 0; i < 203; i++) {
                int k = r * 203 + i;
                double bound = scale * Math.abs(yv[k]) * 2 * 203 * eps * absDot + 4 * eps * Math.abs(plain[k]);
                assertTrue(Math.abs(fast[k] - plain[k]) <= bound, "row " + r + ", element " + i + ": " + fast[k]
                        + " vs " + plain[k]);
            }
        }
    }
}
