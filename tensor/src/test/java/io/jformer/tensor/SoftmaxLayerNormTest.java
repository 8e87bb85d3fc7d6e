package io.jformer.tensor;

import io.jformer.tensor.TestTensors.Layout;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static io.jformer.tensor.TestTensors.assertClose;
import static io.jformer.tensor.TestTensors.assertShape;
import static io.jformer.tensor.TestTensors.broadcastSource;
import static io.jformer.tensor.TestTensors.numel;
import static io.jformer.tensor.TestTensors.ravel;
import static io.jformer.tensor.TestTensors.unravel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Softmax, log-softmax, layer norm and their backward passes against double references written here: the
 * forwards by their definitions, the backwards by central differences of those double forwards (so no
 * closed-form gradient formula is shared with the kernels), except dWeight/dBias of layer norm, which are plain
 * sums.
 *
 * <p>Tolerances are stated where used; they are a few float roundings of the size of the terms involved.
 */
class SoftmaxLayerNormTest {

    private static final Backend CPU = Backends.cpu();

    // ---- softmax reference ---------------------------------------------------------------------------------

    /** softmax (or log-softmax) of {@code scale·x + mask} over {@code dim}, in double; mask may be null. */
    private static double[] softmaxRef(double[] x, double[] mask, int[] shape, int dim, double scale, boolean log) {
        double[] out = new double[x.length];
        int[] lineShape = shape.clone();
        lineShape[dim] = 1;
        for (int line = 0; line < numel(lineShape); line++) {
            int[] idx = unravel(line, lineShape);
            int n = shape[dim];
            double[] t = new double[n];
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < n; k++) {
                idx[dim] = k;
                int p = ravel(idx, shape);
                t[k] = scale * x[p] + (mask == null ? 0 : mask[p]);
                max = Math.max(max, t[k]);
            }
            double sum = 0;
            for (int k = 0; k < n; k++) {
                sum += max == Double.NEGATIVE_INFINITY ? 0 : Math.exp(t[k] - max);
            }
            for (int k = 0; k < n; k++) {
                idx[dim] = k;
                int p = ravel(idx, shape);
                if (max == Double.NEGATIVE_INFINITY) {
                    out[p] = log ? Double.NEGATIVE_INFINITY : 0; // fully masked: the documented zeros
                } else {
                    out[p] = log ? t[k] - max - Math.log(sum) : Math.exp(t[k] - max) / sum;
                }
            }
        }
        return out;
    }

    /**
     * Softmax forward tolerance: {@code scale·x} is rounded to float before exp (relative error 2⁻²⁴ of the
     * argument, so ≈ 6e-8·|arg| of the result), exp is within a few ulps and the row sum within ~n·2⁻²⁴: we allow
     * 2e-6 + 1e-7·|arg| relative. Log-softmax is a difference of terms of size |arg| and log-sum-exp: 1e-6 of them.
     */
    private static double softmaxTolerance(double expected, double arg, double lse, boolean log) {
        return log ? 1e-6 * (1 + Math.abs(arg) + Math.abs(lse)) : (2e-6 + 1e-7 * Math.abs(arg)) * expected + 1e-12;
    }

    private static void checkSoftmax(float[] x, int[] shape, Tensor t, int dim, double scale, boolean log,
                                     String what) {
        double[] xd = TestTensors.toDouble(x);
        double[] expected = softmaxRef(xd, null, shape, dim, scale, log);
        double[] lse = logSumExp(xd, shape, dim, scale);
        Tensor got = CPU.softmax(t, dim, scale, null, log);
        assertShape(got, shape);
        assertClose(expected, got.toFloatArray(),
                i -> softmaxTolerance(expected[i], scale * xd[i], lse[i], log), what);
    }

    /** log Σ exp over dim, broadcast back to every element of the line. */
    private static double[] logSumExp(double[] x, int[] shape, int dim, double scale) {
        double[] ls = softmaxRef(x, null, shape, dim, scale, true);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = scale * x[i] - ls[i];
        }
        return out;
    }

    @Test
    void softmaxAndLogSoftmaxOverEveryDimensionAndLayout() {
        int[] shape = {3, 5, 37};
        Random r = new Random(1);
        float[] x = TestTensors.gaussian(r, numel(shape), 3);
        for (Layout layout : Layout.values()) {
            Tensor t = TestTensors.layout(x, shape, layout);
            for (int dim = 0; dim < 3; dim++) {
                for (boolean log : new boolean[]{false, true}) {
                    for (double scale : new double[]{1.0, 0.125}) {
                        checkSoftmax(x, shape, t, dim, scale, log, (log ? "log_softmax" : "softmax") + " dim "
                                + dim + " scale " + scale + " " + layout);
                    }
                }
            }
        }
        // the Tensor methods: scale 1, negative dimensions
        double[] e = softmaxRef(TestTensors.toDouble(x), null, shape, 1, 1, false);
        assertClose(e, Tensor.of(x, shape).softmax(-2).toFloatArray(), 1e-5, 1e-12, "softmax(-2)");
        double[] le = softmaxRef(TestTensors.toDouble(x), null, shape, 2, 1, true);
        assertClose(le, Tensor.of(x, shape).logSoftmax(-1).toFloatArray(), 1e-6, 1e-5, "logSoftmax(-1)");
    }

    @Test
    void softmaxRowsSumToOneAndSurviveLargeLogits() {
        // 1000 + noise: exp without the max shift would overflow
        float[] x = TestTensors.gaussian(new Random(2), 4 * 50, 1);
        for (int i = 0; i < x.length; i++) {
            x[i] += 1000;
        }
        float[] p = Tensor.of(x, 4, 50).softmax(1).toFloatArray();
        for (int row = 0; row < 4; row++) {
            double s = 0;
            for (int k = 0; k < 50; k++) {
                assertTrue(p[row * 50 + k] > 0 && Float.isFinite(p[row * 50 + k]));
                s += p[row * 50 + k];
            }
            assertEquals(1.0, s, 1e-5, "row sum"); // 50 values, each within ~2e-6 relative
        }
    }

    @Test
    void attentionMaskBroadcastsAndFullyMaskedRowsGiveZeros() {
        int b = 2;
        int h = 3;
        int tq = 5;
        int tk = 19; // rows longer than a vector with a tail
        int[] shape = {b, h, tq, tk};
        int[] maskShape = {b, 1, 1, tk};
        Random r = new Random(3);
        float[] x = TestTensors.gaussian(r, numel(shape), 2);
        float[] mask = new float[numel(maskShape)];
        for (int k = 0; k < tk; k++) {
            mask[k] = k < 12 ? 0 : -10000f; // batch 0: padding after 12 tokens, BERT's additive mask
            mask[tk + k] = Float.NEGATIVE_INFINITY; // batch 1: every key masked
        }
        double scale = 1 / Math.sqrt(8);
        double[] xd = TestTensors.toDouble(x);
        double[] md = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            md[i] = mask[broadcastSource(unravel(i, shape), maskShape)];
        }
        for (boolean log : new boolean[]{false, true}) {
            double[] expected = softmaxRef(xd, md, shape, 3, scale, log);
            for (Layout layout : new Layout[]{Layout.CONTIGUOUS, Layout.TRANSPOSED, Layout.OFFSET}) {
                Tensor t = TestTensors.layout(x, shape, layout);
                Tensor maskT = TestTensors.layout(mask, maskShape, layout); // the mask in the same layout
                float[] got = CPU.softmax(t, 3, scale, maskT, log).toFloatArray();
                // log-softmax of a -10000-masked key is ≈ -10000: 1e-6 of that is ~1e-2 absolute, a few ulp(10000)
                assertClose(expected, got, i -> log ? 1e-6 * (1 + Math.abs(scale * xd[i] + md[i]) + 10)
                        : 2e-6 * expected[i] + 1e-12, (log ? "log_softmax" : "softmax") + " masked " + layout);
                if (!log) {
                    for (int i = numel(shape) / 2; i < numel(shape); i++) {
                        assertEquals(0f, got[i], "fully masked row must be zeros, not NaN, at " + i);
                    }
                }
            }
        }
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> CPU.softmax(Tensor.zeros(shape), 3, 1, Tensor.zeros(b, 1, 2, tk), false));
        assertTrue(e.getMessage().contains("softmax") && e.getMessage().contains("[2, 1, 2, 19]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class,
                () -> CPU.softmax(Tensor.zeros(1, tk), 1, 1, Tensor.zeros(2, tk), false));
        assertTrue(e.getMessage().contains("[2, 19]") && e.getMessage().contains("[1, 19]"), e.getMessage());
    }

    // ---- softmax backward ------------------------------------------------------------------------------------

    @Test
    void softmaxBackwardMatchesCentralDifferencesOverEveryDimension() {
        int[] shape = {3, 4, 18};
        Random r = new Random(4);
        float[] x = TestTensors.gaussian(r, numel(shape), 1.5);
        float[] dy = TestTensors.gaussian(r, numel(shape), 1);
        double[] xd = TestTensors.toDouble(x);
        double h = 1e-5;
        for (int dim = 0; dim < 3; dim++) {
            for (boolean log : new boolean[]{false, true}) {
                double scale = log ? 0.7 : 1.3;
                // dL/dx_k for L = Σ dy·f(x), f the double reference: (L(x + h e_k) - L(x - h e_k)) / 2h
                double[] expected = new double[x.length];
                for (int k = 0; k < x.length; k++) {
                    double[] plus = xd.clone();
                    double[] minus = xd.clone();
                    plus[k] += h;
                    minus[k] -= h;
                    double[] fp = softmaxRef(plus, null, shape, dim, scale, log);
                    double[] fm = softmaxRef(minus, null, shape, dim, scale, log);
                    double d = 0;
                    for (int i = 0; i < x.length; i++) {
                        d += dy[i] * (fp[i] - fm[i]);
                    }
                    expected[k] = d / (2 * h);
                }
                double[] y = softmaxRef(xd, null, shape, dim, scale, log);
                for (Layout layout : new Layout[]{Layout.CONTIGUOUS, Layout.STRIDED, Layout.OFFSET}) {
                    Tensor yt = CPU.softmax(TestTensors.layout(x, shape, layout), dim, scale, null, log);
                    Tensor dyt = TestTensors.layout(dy, shape, layout);
                    float[] got = CPU.softmaxBackward(yt, dyt, dim, scale, log).toFloatArray();
                    // float sums of ≤ 18 products of size |dy|·p, and the difference quotient's own error (~h²·f''' +
                    // 1e-16/h ≈ 1e-10): 1e-5·scale·(|dy_i| + Σ|dy|·p) is ≥ 100× both
                    double sumAbsDy = Arrays.stream(TestTensors.toDouble(dy)).map(Math::abs).sum();
                    assertClose(expected, got, i -> 1e-5 * scale * (Math.abs(dy[i]) + sumAbsDy
                                    * (log ? Math.exp(y[i]) : Math.abs(y[i]))) + 1e-9,
                            (log ? "log_softmax" : "softmax") + " backward dim " + dim + " " + layout);
                }
            }
        }
    }

    // ---- layer norm -----------------------------------------------------------------------------------------

    /** Two-pass layer norm of one row in double; returns y and writes [mean, rstd]. */
    private static double[] layerNormRow(double[] x, float[] w, float[] b, double eps, double[] stats) {
        int d = x.length;
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= d;
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= d; // biased, as PyTorch's layer_norm
        double rstd = 1 / Math.sqrt(var + eps);
        double[] y = new double[d];
        for (int i = 0; i < d; i++) {
            y[i] = (x[i] - mean) * rstd * (w == null ? 1 : w[i]) + (b == null ? 0 : b[i]);
        }
        if (stats != null) {
            stats[0] = mean;
            stats[1] = rstd;
        }
        return y;
    }

    private static double[] row(float[] x, int r, int d) {
        double[] v = new double[d];
        for (int i = 0; i < d; i++) {
            v[i] = x[r * d + i];
        }
        return v;
    }

    @Test
    void layerNormForwardMatchesTwoPassDoubleReference() {
        int rows = 6;
        int d = 37;
        int[] shape = {2, 3, d};
        Random r = new Random(5);
        float[] x = TestTensors.gaussian(r, rows * d, 2);
        for (int i = 0; i < x.length; i++) {
            x[i] += 100; // a large mean: a one-pass E[x²] - E[x]² would lose ~4 digits here
        }
        float[] w = TestTensors.uniform(r, d, 0.5, 1.5);
        float[] b = TestTensors.gaussian(r, d, 0.3);
        double eps = 1e-5;
        for (boolean affine : new boolean[]{true, false}) {
            double[] ey = new double[rows * d];
            double[] xhat = new double[rows * d];
            double[] em = new double[rows];
            double[] er = new double[rows];
            for (int row = 0; row < rows; row++) {
                double[] stats = new double[2];
                double[] y = layerNormRow(row(x, row, d), affine ? w : null, affine ? b : null, eps, stats);
                double[] yh = layerNormRow(row(x, row, d), null, null, eps, null);
                System.arraycopy(y, 0, ey, row * d, d);
                System.arraycopy(yh, 0, xhat, row * d, d);
                em[row] = stats[0];
                er[row] = stats[1];
            }
            for (Layout layout : Layout.values()) {
                Tensor t = TestTensors.layout(x, shape, layout);
                // weight and bias in the same layout (at an offset, strided, ...) as x
                Tensor wt = affine ? TestTensors.layout(w, new int[]{d}, layout) : null;
                Tensor bt = affine ? TestTensors.layout(b, new int[]{d}, layout) : null;
                LayerNormResult res = CPU.layerNorm(t, wt, bt, eps);
                String what = "layer_norm affine=" + affine + " " + layout;
                assertShape(res.output(), shape);
                assertShape(res.mean(), 2, 3);
                assertShape(res.rstd(), 2, 3);
                // the float mean of values near 100 is within d·2⁻²⁴·100 ≈ 2.2e-4 of the truth (worst case); centring
                // shifts x̂ by that times rstd (≈ 0.5), so 1.2e-4 absolute (times |w| ≤ 1.5), plus 2e-6 of |x̂·w|
                // for the remaining roundings
                assertClose(ey, res.output().toFloatArray(), i -> (1.2e-4 + 2e-6 * Math.abs(xhat[i])) * 1.5, what);
                // a float sum of d = 37 terms: within d·2⁻²⁴ ≈ 2.2e-6 relative; rstd adds the variance's own sum
                assertClose(em, res.mean().toFloatArray(), 2.5e-6, 0, what + " mean");
                assertClose(er, res.rstd().toFloatArray(), 1e-5, 0, what + " rstd");
            }
        }
        // Tensor.layerNorm is the output of the backend's
        double[] y0 = layerNormRow(row(x, 0, d), w, b, eps, null);
        float[] got = Tensor.of(x, shape).layerNorm(Tensor.of(w, d), Tensor.of(b, d), eps).toFloatArray();
        assertClose(y0, Arrays.copyOf(got, d), 0, 2e-4, "Tensor.layerNorm"); // as above, |x̂| ≤ 3
    }

    @Test
    void layerNormOfAConstantRowIsTheBiasAndRstdComesFromEps() {
        float[] x = new float[20];
        Arrays.fill(x, 3.25f);
        float[] bias = TestTensors.gaussian(new Random(6), 20, 1);
        LayerNormResult res = CPU.layerNorm(Tensor.of(x, 1, 20), Tensor.ones(20), Tensor.of(bias, 20), 1e-5);
        assertClose(TestTensors.toDouble(bias), res.output().toFloatArray(), 0, 0, "constant row");
        assertClose(new double[]{1 / Math.sqrt(1e-5)}, res.rstd().toFloatArray(), 1e-6, 0, "rstd");
        assertClose(new double[]{3.25}, res.mean().toFloatArray(), 0, 0, "mean");
    }

    @Test
    void layerNormRejectsParametersOfTheWrongSize() {
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> CPU.layerNorm(Tensor.zeros(2, 8), Tensor.ones(7), null, 1e-5));
        assertTrue(e.getMessage().contains("[7]") && e.getMessage().contains("[2, 8]"), e.getMessage());
        assertThrows(ShapeMismatchException.class, () -> CPU.layerNorm(Tensor.scalar(1), null, null, 1e-5));
    }

    @Test
    void layerNormBackwardMatchesCentralDifferencesAndColumnSums() {
        int rows = 5;
        int d = 21;
        Random r = new Random(7);
        float[] x = TestTensors.gaussian(r, rows * d, 1.5);
        float[] w = TestTensors.uniform(r, d, 0.5, 1.5);
        float[] b = TestTensors.gaussian(r, d, 0.3);
        float[] dy = TestTensors.gaussian(r, rows * d, 1);
        double eps = 1e-5;
        double h = 1e-5;
        for (boolean withWeight : new boolean[]{true, false}) {
            float[] wOrNull = withWeight ? w : null;
            double[] edx = new double[rows * d];
            double[] edw = new double[d];
            double[] edb = new double[d];
            double[] scaleDx = new double[rows * d];
            for (int row = 0; row < rows; row++) {
                double[] xr = row(x, row, d);
                double[] stats = new double[2];
                double[] xh = layerNormRow(xr, null, null, eps, stats);
                double sumAbsG = 0;
                for (int i = 0; i < d; i++) {
                    edw[i] += dy[row * d + i] * xh[i];
                    edb[i] += dy[row * d + i];
                    sumAbsG += Math.abs(dy[row * d + i] * (withWeight ? w[i] : 1));
                }
                for (int k = 0; k < d; k++) {
                    double[] plus = xr.clone();
                    double[] minus = xr.clone();
                    plus[k] += h;
                    minus[k] -= h;
                    double[] yp = layerNormRow(plus, wOrNull, b, eps, null);
                    double[] ym = layerNormRow(minus, wOrNull, b, eps, null);
                    double g = 0;
                    for (int i = 0; i < d; i++) {
                        g += dy[row * d + i] * (yp[i] - ym[i]);
                    }
                    edx[row * d + k] = g / (2 * h);
                    // the kernel's dx = rstd·(g - mean(g) - x̂·mean(g·x̂)): float sums of d terms of size |g|·(1+|x̂|)
                    scaleDx[row * d + k] = stats[1] * (sumAbsG / d) * (1 + Math.abs(xh[k])) * (1 + Math.abs(xh[k]));
                }
            }
            for (Layout layout : new Layout[]{Layout.CONTIGUOUS, Layout.TRANSPOSED, Layout.OFFSET}) {
                Tensor xt = TestTensors.layout(x, new int[]{rows, d}, layout);
                Tensor dyt = TestTensors.layout(dy, new int[]{rows, d}, layout);
                Tensor wt = withWeight ? TestTensors.layout(w, new int[]{d}, layout) : null;
                LayerNormResult fwd = CPU.layerNorm(xt, wt, Tensor.of(b, d), eps);
                LayerNormGradients g = CPU.layerNormBackward(dyt, xt, wt, fwd.mean(), fwd.rstd());
                String what = "layer_norm backward weight=" + withWeight + " " + layout;
                assertShape(g.dx(), rows, d);
                assertShape(g.dWeight(), d);
                assertShape(g.dBias(), d);
                // 2e-5 of the term size: float sums of d = 21 terms are within ~d·2⁻²⁴ ≈ 1.3e-6 of it (with margin);
                // the difference quotient's own error, O(h²·|y'''|) + O(1e-16/h) ≈ 1e-10, is far below
                assertClose(edx, g.dx().toFloatArray(), i -> 2e-5 * scaleDx[i] + 1e-7, what + " dx");
                // Σ over 5 rows of dy·x̂ with x̂ from float statistics (relative error ~1e-6)
                double[] absDw = new double[d];
                double[] absDb = new double[d];
                for (int i = 0; i < rows * d; i++) {
                    absDw[i % d] += Math.abs(dy[i]) * 3;
                    absDb[i % d] += Math.abs(dy[i]);
                }
                assertClose(edw, g.dWeight().toFloatArray(), i -> 2e-6 * absDw[i], what + " dWeight");
                assertClose(edb, g.dBias().toFloatArray(), i -> 1e-6 * absDb[i], what + " dBias");
            }
        }
    }
}
