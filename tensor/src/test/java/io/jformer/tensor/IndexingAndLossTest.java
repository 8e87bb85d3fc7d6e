package io.jformer.tensor;

import io.jformer.tensor.TestTensors.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Random;

import static io.jformer.tensor.TestTensors.assertClose;
import static io.jformer.tensor.TestTensors.assertShape;
import static io.jformer.tensor.TestTensors.numel;
import static io.jformer.tensor.TestTensors.ravel;
import static io.jformer.tensor.TestTensors.unravel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Embedding gather and scatter-add, indexSelect/indexAdd, concat/stack and cross-entropy against loops written
 * here. Gathers and copies are exact; sums of a few floats are within a few roundings of their absolute sum
 * (stated where used); cross-entropy's reference is log-sum-exp in double.
 */
class IndexingAndLossTest {

    private static final Backend CPU = Backends.cpu();

    // ---- embedding --------------------------------------------------------------------------------------------

    @Test
    void embeddingGathersRowsForIdsOfAnyShape() {
        int v = 11;
        int d = 19;
        float[] w = TestTensors.gaussian(new Random(1), v * d, 1);
        long[] ids = {3, 0, 10, 3, 7, 7};
        for (Layout layout : Layout.values()) {
            Tensor weight = TestTensors.layout(w, new int[]{v, d}, layout);
            Tensor out = CPU.embedding(weight, Tensor.ofLongs(ids, 2, 3));
            assertShape(out, 2, 3, d);
            float[] got = out.toFloatArray();
            for (int i = 0; i < ids.length; i++) {
                for (int k = 0; k < d; k++) {
                    assertEquals(w[(int) ids[i] * d + k], got[i * d + k], 0, "id " + ids[i] + " " + layout);
                }
            }
        }
        // transposed ids read in view order
        Tensor idsT = Tensor.ofLongs(ids, 2, 3).t();
        float[] got = CPU.embedding(Tensor.of(w, v, d), idsT).toFloatArray();
        long[] order = {3, 3, 0, 7, 10, 7};
        for (int i = 0; i < order.length; i++) {
            assertEquals(w[(int) order[i] * d], got[i * d], 0);
        }
    }

    @Test
    void embeddingBackwardAddsUpRepeatedIds() {
        int v = 9;
        int d = 150; // at least twice the kernel's grain of 64 columns: split across two workers
        long[] ids = {4, 1, 4, 4, 8, 1, 0};
        float[] dy = TestTensors.gaussian(new Random(2), ids.length * d, 1);
        double[] expected = new double[v * d];
        double[] abs = new double[v * d];
        for (int i = 0; i < ids.length; i++) {
            for (int k = 0; k < d; k++) {
                expected[(int) ids[i] * d + k] += dy[i * d + k];
                abs[(int) ids[i] * d + k] += Math.abs(dy[i * d + k]);
            }
        }
        for (Layout layout : Layout.values()) {
            Tensor g = TestTensors.layout(dy, new int[]{1, ids.length, d}, layout);
            Tensor out = CPU.embeddingBackward(g, Tensor.ofLongs(ids, 1, ids.length), v);
            assertShape(out, v, d);
            // at most 3 float additions per entry
            assertClose(expected, out.toFloatArray(), i -> 3 * 0x1p-24 * abs[i], "embedding backward " + layout);
        }
    }

    /**
     * Into an existing table: each row of dy added in id order, one float addition per element, so the result is
     * exactly that of a sequential float loop; into zeros, exactly the dense gradient.
     */
    @Test
    void embeddingBackwardIntoATableAddsRowsInIdOrder() {
        int v = 9;
        int d = 150;
        long[] ids = {4, 1, 4, 4, 8, 1, 0};
        float[] dy = TestTensors.gaussian(new Random(2), ids.length * d, 1);
        float[] table = TestTensors.gaussian(new Random(3), v * d, 1);
        float[] expected = table.clone();
        for (int i = 0; i < ids.length; i++) {
            for (int k = 0; k < d; k++) {
                expected[(int) ids[i] * d + k] += dy[i * d + k];
            }
        }
        Tensor idsT = Tensor.ofLongs(ids, 1, ids.length);
        for (Layout layout : Layout.values()) {
            Tensor g = TestTensors.layout(dy, new int[]{1, ids.length, d}, layout);
            Tensor grad = Tensor.of(table.clone(), v, d);
            CPU.embeddingBackwardInto(grad, g, idsT);
            assertArrayEquals(expected, grad.toFloatArray(), "into a table, " + layout);
            Tensor zeros = Tensor.zeros(v, d);
            CPU.embeddingBackwardInto(zeros, g, idsT);
            assertArrayEquals(CPU.embeddingBackward(g, idsT, v).toFloatArray(), zeros.toFloatArray(), "into zeros, " + layout);
        }
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> CPU.embeddingBackwardInto(Tensor.zeros(v, d + 1), Tensor.of(dy, 1, ids.length, d), idsT));
        assertTrue(e.getMessage().contains("[1, 7, 150]") && e.getMessage().contains("[9, 151]"), e.getMessage());
    }

    // ---- indexSelect / indexAdd -------------------------------------------------------------------------------

    @Test
    void indexSelectPicksEntriesAlongEachDimension() {
        int[] shape = {4, 5, 6};
        float[] x = TestTensors.gaussian(new Random(3), numel(shape), 1);
        long[][] indexPerDim = {{3, 0, 3}, {4, 4, 1, 0, 2, 2}, {5}};
        for (Layout layout : Layout.values()) {
            Tensor t = TestTensors.layout(x, shape, layout);
            for (int dim = 0; dim < 3; dim++) {
                long[] idx = indexPerDim[dim];
                int[] out = shape.clone();
                out[dim] = idx.length;
                double[] expected = new double[numel(out)];
                for (int o = 0; o < expected.length; o++) {
                    int[] i = unravel(o, out);
                    i[dim] = (int) idx[i[dim]];
                    expected[o] = x[ravel(i, shape)];
                }
                Tensor got = t.indexSelect(dim - 3, Tensor.ofLongs(idx, idx.length));
                assertShape(got, out);
                assertClose(expected, got.toFloatArray(), 0, 0, "indexSelect dim " + dim + " " + layout);
            }
        }
        // I64 tensors too (token ids)
        Tensor ids = Tensor.ofLongs(new long[]{10, 20, 30, 40}, 2, 2);
        assertArrayEquals(new long[]{30, 40, 10, 20},
                ids.indexSelect(0, Tensor.ofLongs(new long[]{1, 0}, 2)).toLongArray());
    }

    @Test
    void indexAddScatterAddsSlicesAlongEachDimension() {
        int[] shape = {4, 5, 6};
        Random r = new Random(4);
        long[][] indexPerDim = {{3, 0, 3, 3}, {1, 4, 1}, {0, 5, 5, 2, 0}};
        for (int dim = 0; dim < 3; dim++) {
            long[] idx = indexPerDim[dim];
            int[] srcShape = shape.clone();
            srcShape[dim] = idx.length;
            float[] src = TestTensors.gaussian(r, numel(srcShape), 1);
            double[] expected = new double[numel(shape)];
            double[] abs = new double[expected.length];
            for (int s = 0; s < src.length; s++) {
                int[] i = unravel(s, srcShape);
                i[dim] = (int) idx[i[dim]];
                expected[ravel(i, shape)] += src[s];
                abs[ravel(i, shape)] += Math.abs(src[s]);
            }
            for (Layout layout : new Layout[]{Layout.CONTIGUOUS, Layout.STRIDED, Layout.OFFSET}) {
                Tensor got = CPU.indexAdd(Shape.of(shape), dim, Tensor.ofLongs(idx, idx.length),
                        TestTensors.layout(src, srcShape, layout));
                assertShape(got, shape);
                // at most 3 float additions per entry
                assertClose(expected, got.toFloatArray(), i -> 3 * 0x1p-24 * abs[i], "indexAdd dim " + dim);
            }
        }
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> CPU.indexAdd(Shape.of(4, 5), 0,
                Tensor.ofLongs(new long[]{1, 2}, 2), Tensor.zeros(3, 5)));
        assertTrue(e.getMessage().contains("[3, 5]") && e.getMessage().contains("[2, 5]"), e.getMessage());
    }

    // ---- concat / stack -----------------------------------------------------------------------------------------

    @Test
    void concatJoinsAlongEachDimension() {
        Random r = new Random(5);
        int[][] shapes = {{2, 3, 4}, {2, 1, 4}, {2, 5, 4}};
        float[][] data = new float[3][];
        for (int k = 0; k < 3; k++) {
            data[k] = TestTensors.gaussian(r, numel(shapes[k]), 1);
        }
        Tensor[] parts = {Tensor.of(data[0], shapes[0]), TestTensors.layout(data[1], shapes[1], Layout.TRANSPOSED),
                TestTensors.layout(data[2], shapes[2], Layout.STRIDED)};
        Tensor c = Tensor.concat(List.of(parts), 1);
        int[] out = {2, 9, 4};
        assertShape(c, out);
        double[] expected = new double[numel(out)];
        for (int o = 0; o < expected.length; o++) {
            int[] i = unravel(o, out);
            int part = i[1] < 3 ? 0 : i[1] < 4 ? 1 : 2;
            i[1] -= part == 0 ? 0 : part == 1 ? 3 : 4;
            expected[o] = data[part][ravel(i, shapes[part])];
        }
        assertClose(expected, c.toFloatArray(), 0, 0, "concat dim 1");
        // dim 0 and negative dim
        Tensor a = Tensor.of(new float[]{1, 2, 3, 4}, 2, 2);
        Tensor b = Tensor.of(new float[]{5, 6}, 1, 2);
        assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, Tensor.concat(List.of(a, b), 0).toFloatArray());
        assertArrayEquals(new float[]{1, 2, 5, 3, 4, 6},
                Tensor.concat(List.of(a, b.t().expand(2, 1).contiguous()), -1).toFloatArray());
    }

    @Test
    void stackAddsANewDimension() {
        Tensor a = Tensor.of(new float[]{1, 2, 3}, 3);
        Tensor b = Tensor.of(new float[]{4, 5, 6}, 3);
        Tensor s0 = Tensor.stack(List.of(a, b), 0);
        assertShape(s0, 2, 3);
        assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, s0.toFloatArray());
        Tensor s1 = Tensor.stack(List.of(a, b), 1);
        assertShape(s1, 3, 2);
        assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, s1.toFloatArray());
        Tensor sLast = Tensor.stack(List.of(a, b), -1);
        assertShape(sLast, 3, 2);
        assertArrayEquals(s1.toFloatArray(), sLast.toFloatArray());
    }

    @Test
    void concatAndStackErrorsNameTheShapes() {
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> Tensor.concat(List.of(Tensor.zeros(2, 3), Tensor.zeros(4, 5)), 0));
        assertTrue(e.getMessage().contains("concat") && e.getMessage().contains("[2, 3]")
                && e.getMessage().contains("[4, 5]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class,
                () -> Tensor.concat(List.of(Tensor.zeros(2, 3), Tensor.zeros(2, 3, 1)), 0));
        assertTrue(e.getMessage().contains("[2, 3, 1]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class,
                () -> Tensor.stack(List.of(Tensor.zeros(2, 3), Tensor.zeros(3, 2)), 0));
        assertTrue(e.getMessage().contains("stack") && e.getMessage().contains("[2, 3]")
                && e.getMessage().contains("[3, 2]"), e.getMessage());
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
                () -> Tensor.concat(List.of(Tensor.zeros(2), Tensor.ofLongs(new long[]{1, 2}, 2)), 0));
        assertTrue(d.getMessage().contains("F32") && d.getMessage().contains("I64"), d.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.concat(List.of(), 0));
    }

    // ---- cross-entropy --------------------------------------------------------------------------------------------

    private static final int IGNORE = -100;

    /** Log-sum-exp of each row, in double. */
    private static double[] lse(float[] logits, int n, int c) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) {
                max = Math.max(max, logits[i * c + j]);
            }
            double s = 0;
            for (int j = 0; j < c; j++) {
                s += Math.exp(logits[i * c + j] - max);
            }
            out[i] = max + Math.log(s);
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Reduction.class)
    void crossEntropyMatchesDoubleReferenceWithIgnoredRows(Reduction reduction) {
        int n = 13;
        int c = 37;
        Random r = new Random(6 + reduction.ordinal());
        float[] logits = TestTensors.gaussian(r, n * c, 3);
        long[] targets = new long[n];
        for (int i = 0; i < n; i++) {
            targets[i] = i % 4 == 1 ? IGNORE : r.nextInt(c);
        }
        double[] l = lse(logits, n, c);
        double[] perRow = new double[n];
        double sum = 0;
        int counted = 0;
        for (int i = 0; i < n; i++) {
            if (targets[i] != IGNORE) {
                perRow[i] = l[i] - logits[i * c + (int) targets[i]];
                sum += perRow[i];
                counted++;
            }
        }
        for (Layout layout : Layout.values()) {
            Tensor x = TestTensors.layout(logits, new int[]{n, c}, layout);
            CrossEntropyResult res = CPU.crossEntropy(x, Tensor.ofLongs(targets, n), IGNORE, reduction);
            String what = "cross_entropy " + reduction + " " + layout;
            // each row: max + log(Σ exp) in float, minus a logit: a few ulps of |lse| + |logit| (≤ ~15 here)
            double rowTol = 1e-6 * 20;
            assertClose(l, res.logSumExp().toFloatArray(), 1e-6, 1e-6, what + " logSumExp");
            switch (reduction) {
                case NONE -> {
                    assertShape(res.loss(), n);
                    assertClose(perRow, res.loss().toFloatArray(), 0, rowTol, what);
                }
                case SUM -> {
                    assertShape(res.loss(), new int[0]);
                    assertClose(new double[]{sum}, res.loss().toFloatArray(), 0, n * rowTol, what);
                }
                case MEAN -> {
                    assertShape(res.loss(), new int[0]);
                    assertClose(new double[]{sum / counted}, res.loss().toFloatArray(), 0, rowTol, what);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Reduction.class)
    void crossEntropyBackwardIsSoftmaxMinusOneHotTimesTheRowWeight(Reduction reduction) {
        int n = 9;
        int c = 21;
        Random r = new Random(16 + reduction.ordinal());
        float[] logits = TestTensors.gaussian(r, n * c, 2);
        long[] targets = new long[n];
        for (int i = 0; i < n; i++) {
            targets[i] = i % 3 == 2 ? IGNORE : r.nextInt(c);
        }
        int counted = 0;
        for (long t : targets) {
            counted += t == IGNORE ? 0 : 1;
        }
        float[] upstream = reduction == Reduction.NONE ? TestTensors.gaussian(r, n, 1) : new float[]{1.7f};
        double[] l = lse(logits, n, c);
        // d loss / d logit_ij = w_i·(p_ij - [j = t_i]) with w_i the weight of row i's loss in the reduced loss
        double[] expected = new double[n * c];
        for (int i = 0; i < n; i++) {
            if (targets[i] == IGNORE) {
                continue;
            }
            double w = switch (reduction) {
                case NONE -> upstream[i];
                case SUM -> upstream[0];
                case MEAN -> upstream[0] / counted;
            };
            for (int j = 0; j < c; j++) {
                expected[i * c + j] = w * (Math.exp(logits[i * c + j] - l[i]) - (j == targets[i] ? 1 : 0));
            }
        }
        Tensor x = Tensor.of(logits, n, c);
        Tensor tg = Tensor.ofLongs(targets, n);
        CrossEntropyResult fwd = CPU.crossEntropy(x, tg, IGNORE, reduction);
        Tensor dLoss = reduction == Reduction.NONE ? Tensor.of(upstream, n) : Tensor.scalar(upstream[0]);
        for (Layout layout : Layout.values()) {
            Tensor xl = TestTensors.layout(logits, new int[]{n, c}, layout);
            Tensor got = CPU.crossEntropyBackward(dLoss, xl, tg, fwd.logSumExp(), IGNORE, reduction);
            assertShape(got, n, c);
            // exp(x - lse) with lse rounded to float: relative error ≈ |lse|·2⁻²⁴ ≲ 1e-6; then one multiply
            assertClose(expected, got.toFloatArray(), 2e-6, 1e-7 * Math.abs(upstream[0]),
                    "cross_entropy backward " + reduction + " " + layout);
        }
    }

    @Test
    void crossEntropyGradientMatchesCentralDifferenceOfTheMeanLoss() {
        // the analytic formula above, cross-checked once against the loss itself (double, by differences)
        int n = 4;
        int c = 5;
        float[] logits = TestTensors.gaussian(new Random(8), n * c, 1);
        long[] targets = {2, IGNORE, 0, 4};
        Tensor tg = Tensor.ofLongs(targets, n);
        Tensor x = Tensor.of(logits, n, c);
        Tensor grad = CPU.crossEntropyBackward(Tensor.scalar(1), x, tg,
                CPU.crossEntropy(x, tg, IGNORE, Reduction.MEAN).logSumExp(), IGNORE, Reduction.MEAN);
        double h = 1e-4;
        double[] expected = new double[n * c];
        for (int k = 0; k < n * c; k++) {
            float[] plus = logits.clone();
            float[] minus = logits.clone();
            double hp = (float) (logits[k] + h) - logits[k]; // the step actually representable in float
            double hm = logits[k] - (float) (logits[k] - h);
            plus[k] = (float) (logits[k] + h);
            minus[k] = (float) (logits[k] - h);
            expected[k] = (meanLoss(plus, targets, c) - meanLoss(minus, targets, c)) / (hp + hm);
        }
        // the difference quotient's truncation error is ~h²·|f'''| ≈ 1e-8; float gradients ~1e-7
        assertClose(expected, grad.toFloatArray(), 0, 1e-6, "cross_entropy gradient by differences");
    }

    private static double meanLoss(float[] logits, long[] targets, int c) {
        double[] l = lse(logits, targets.length, c);
        double s = 0;
        int k = 0;
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] != IGNORE) {
                s += l[i] - logits[i * c + (int) targets[i]];
                k++;
            }
        }
        return s / k;
    }
}
