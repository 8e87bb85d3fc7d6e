package io.jformer.tensor;

import io.jformer.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scaled dot-product attention: the CPU backend's fused kernel (no score tensor) against the composition it
 * replaces (matmul, softmax, matmul: {@link Backend}'s default) bit for bit, and against the definition
 * evaluated in double precision here.
 */
class AttentionTest {

    private final Generator gen = new Generator(77);

    /** The composition, spelled out with the backend's public ops (the Backend default, which the CPU overrides). */
    private static Tensor composed(Backend be, Tensor q, Tensor k, Tensor v, double scale, Tensor mask) {
        Tensor probs = be.softmax(be.matmul(q, k.transpose(-2, -1)), q.rank() - 1, scale, mask, false);
        return be.matmul(probs, v);
    }

    /** BERT's layout: q, k, v as head views of [B, T, heads·d] projections (strided, not contiguous). */
    private Tensor heads(int b, int t, int h, int d) {
        return Tensor.randn(gen, b, t, h * d).reshape(b, t, h, d).permute(0, 2, 1, 3);
    }

    private static void assertBitIdentical(Tensor expected, Tensor actual, String what) {
        assertEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            if (Float.floatToIntBits(e[i]) != Float.floatToIntBits(a[i])) {
                throw new AssertionError(what + ": element " + i + ": composed " + e[i] + ", fused " + a[i]);
            }
        }
    }

    /**
     * Sgemm sums every element the same way wherever its tile falls and on whichever thread, and the fused kernel
     * runs the softmax row kernel on the same rows, so nothing may differ: lengths that are not multiples of the
     * tile (13, 37) or that span several 64-row blocks (130), a BERT padding mask with a fully masked position,
     * a mask per query, cross-attention (S ≠ T, dv ≠ d), one to three threads.
     */
    @Test
    void fusedIsBitIdenticalToMatmulSoftmaxMatmul() {
        int[][] cases = {{2, 3, 13, 13, 8, 8}, {1, 2, 130, 130, 16, 16}, {2, 1, 37, 70, 5, 9}};
        for (int threads = 1; threads <= 3; threads++) {
            CpuBackend be = new CpuBackend(threads);
            for (int[] c : cases) {
                int b = c[0];
                int h = c[1];
                int t = c[2];
                int s = c[3];
                Tensor q = heads(b, t, h, c[4]);
                Tensor k = heads(b, s, h, c[4]);
                Tensor v = heads(b, s, h, c[5]);
                float[] pad = new float[b * s];
                for (int i = s - 3; i < s; i++) {
                    pad[i] = -10000f; // the last three keys of sequence 0 are padding, as BertModel builds it
                }
                pad[s / 2] = Float.NEGATIVE_INFINITY;
                Tensor mask = Tensor.of(pad, b, 1, 1, s);
                double scale = 1 / Math.sqrt(c[4]);
                String what = threads + " thread(s), case " + java.util.Arrays.toString(c);
                assertBitIdentical(composed(be, q, k, v, scale, mask), be.attention(q, k, v, scale, mask),
                        what + ", masked");
                assertBitIdentical(composed(be, q, k, v, scale, null), be.attention(q, k, v, scale, null),
                        what + ", no mask");
                Tensor perQuery = Tensor.randn(gen, b, 1, t, s).mul(3);
                assertBitIdentical(composed(be, q, k, v, scale, perQuery), be.attention(q, k, v, scale, perQuery),
                        what + ", a mask per query");
            }
        }
    }

    /**
     * Against the definition in double precision. Each output is Σⱼ pⱼ·vⱼ; a float evaluation perturbs the scores
     * by about d·2⁻²⁴·Σ|q·k|·scale (≤ 2e-6 here, d = 16, scores of order 1), which moves each pⱼ by that relative
     * amount, and the exponential and normalisation add a few ulps more; the final sum of S = 45 terms adds
     * S·2⁻²⁴ of Σ pⱼ|vⱼ|. Bound: 2e-5·Σⱼ pⱼ|vⱼ| + 1e-7, a factor of about 4 above the sum of those.
     */
    @Test
    void matchesTheDefinitionInDoublePrecision() {
        int b = 2;
        int h = 2;
        int t = 70; // two blocks of query rows
        int s = 45;
        int d = 16;
        int dv = 12;
        Tensor q = Tensor.randn(gen, b, h, t, d);
        Tensor k = Tensor.randn(gen, b, h, s, d);
        Tensor v = Tensor.randn(gen, b, h, s, dv);
        Tensor mask = Tensor.randn(gen, b, 1, t, s); // a per-query mask this time
        double scale = 0.25;
        float[] out = q.scaledDotProductAttention(k, v, scale, mask).toFloatArray();
        float[] qa = q.toFloatArray();
        float[] ka = k.toFloatArray();
        float[] va = v.toFloatArray();
        float[] ma = mask.toFloatArray();
        for (int p = 0; p < b * h; p++) {
            int bi = p / h;
            for (int i = 0; i < t; i++) {
                double[] w = new double[s];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < s; j++) {
                    double dot = 0;
                    for (int x = 0; x < d; x++) {
                        dot += (double) qa[(p * t + i) * d + x] * ka[(p * s + j) * d + x];
                    }
                    w[j] = scale * dot + ma[(bi * t + i) * s + j];
                    max = Math.max(max, w[j]);
                }
                double sum = 0;
                for (int j = 0; j < s; j++) {
                    w[j] = Math.exp(w[j] - max);
                    sum += w[j];
                }
                for (int y = 0; y < dv; y++) {
                    double expected = 0;
                    double size = 0;
                    for (int j = 0; j < s; j++) {
                        expected += w[j] / sum * va[(p * s + j) * dv + y];
                        size += w[j] / sum * Math.abs(va[(p * s + j) * dv + y]);
                    }
                    double got = out[(p * t + i) * dv + y];
                    assertTrue(Math.abs(got - expected) <= 2e-5 * size + 1e-7,
                            "product " + p + ", query " + i + ", column " + y + ": " + got + " vs " + expected);
                }
            }
        }
    }

    /** A query that may attend to nothing gets zeros, as the softmax gives for a fully masked row. */
    @Test
    void fullyMaskedQueryGivesZeros() {
        Tensor q = Tensor.randn(gen, 1, 3, 4);
        Tensor k = Tensor.randn(gen, 1, 5, 4);
        Tensor v = Tensor.randn(gen, 1, 5, 2);
        float[] m = new float[15];
        java.util.Arrays.fill(m, 5, 10, Float.NEGATIVE_INFINITY); // query 1 sees no key
        float[] out = q.scaledDotProductAttention(k, v, 0.5, Tensor.of(m, 1, 3, 5)).toFloatArray();
        assertArrayEquals(new float[]{0, 0}, new float[]{out[2], out[3]});
        assertTrue(out[0] != 0 || out[1] != 0);
    }

    @Test
    void unbatchedAndEmptyInputs() {
        Tensor q = Tensor.randn(gen, 7, 3);
        Tensor k = Tensor.randn(gen, 9, 3);
        Tensor v = Tensor.randn(gen, 9, 4);
        Backend be = Backends.cpu();
        assertBitIdentical(composed(be, q, k, v, 1.0, null), q.scaledDotProductAttention(k, v, 1.0, null),
                "rank 2");
        Tensor none = Tensor.zeros(2, 0, 3);
        assertEquals(Shape.of(2, 0, 4), none.scaledDotProductAttention(Tensor.randn(gen, 2, 9, 3),
                Tensor.randn(gen, 2, 9, 4), 1.0, null).shape());
    }

    @Test
    void shapesThatDoNotFitAreNamed() {
        Tensor q = Tensor.randn(gen, 2, 4, 8);
        Tensor v = Tensor.randn(gen, 2, 6, 8);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> q.scaledDotProductAttention(Tensor.randn(gen, 2, 6, 5), v, 1.0, null));
        assertTrue(e.getMessage().contains("[2, 4, 8]") && e.getMessage().contains("[2, 6, 5]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class,
                () -> q.scaledDotProductAttention(Tensor.randn(gen, 2, 6, 8), Tensor.randn(gen, 2, 5, 8), 1.0, null));
        assertTrue(e.getMessage().contains("length"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class,
                () -> q.scaledDotProductAttention(Tensor.randn(gen, 3, 6, 8), Tensor.randn(gen, 3, 6, 8), 1.0, null));
        assertTrue(e.getMessage().contains("batch dimension 0"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class,
                () -> q.scaledDotProductAttention(Tensor.randn(gen, 2, 6, 8), v, 1.0, Tensor.zeros(2, 1, 5)));
        assertTrue(e.getMessage().contains("[2, 1, 5]") && e.getMessage().contains("[2, 4, 6]"), e.getMessage());
    }
}
