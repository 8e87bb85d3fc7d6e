package io.jformer.tensor;

import io.jformer.tensor.TestTensors.Layout;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static io.jformer.tensor.TestTensors.assertClose;
import static io.jformer.tensor.TestTensors.assertShape;
import static io.jformer.tensor.TestTensors.numel;
import static io.jformer.tensor.TestTensors.unravel;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Tensor#matmul} with {@code torch.matmul} semantics against a triple loop in double written here:
 * 1-D operands, batches with broadcasting, transposed, sliced and expanded views.
 *
 * <p>Tolerance: each output is a float dot product of length k accumulated with FMAs, within
 * {@code (k + 2)·2⁻²⁴·Σₚ|a_ip·b_pj|} of the exact value (the standard γₖ bound, plus the final rounding).
 */
class MatmulDispatchTest {

    /**
     * The reference product of row-major {@code a} (shape sa) and {@code b} (shape sb) under torch.matmul rules,
     * computed in double; {@code absOut[0]} receives Σ|a·b| per output for the tolerance.
     */
    private static double[] reference(float[] a, int[] sa, float[] b, int[] sb, int[] outShape, double[][] absOut) {
        boolean vecA = sa.length == 1;
        boolean vecB = sb.length == 1;
        int[] a2 = vecA ? new int[]{1, sa[0]} : sa;
        int[] b2 = vecB ? new int[]{sb[0], 1} : sb;
        int m = a2[a2.length - 2];
        int k = a2[a2.length - 1];
        int n = b2[b2.length - 1];
        int[] batchA = Arrays.copyOf(a2, a2.length - 2);
        int[] batchB = Arrays.copyOf(b2, b2.length - 2);
        int[] batch = TestTensors.broadcastShape(batchA, batchB);
        int batches = numel(batch);
        double[] out = new double[batches * m * n];
        double[] abs = new double[out.length];
        for (int bi = 0; bi < batches; bi++) {
            int[] idx = unravel(bi, batch);
            int aBase = TestTensors.broadcastSource(idx, batchA) * m * k;
            int bBase = TestTensors.broadcastSource(idx, batchB) * k * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    double sAbs = 0;
                    for (int p = 0; p < k; p++) {
                        double prod = (double) a[aBase + i * k + p] * b[bBase + p * n + j];
                        s += prod;
                        sAbs += Math.abs(prod);
                    }
                    out[(bi * m + i) * n + j] = s;
                    abs[(bi * m + i) * n + j] = sAbs;
                }
            }
        }
        absOut[0] = abs;
        assertTrue(numel(outShape) == out.length, "test bug: output shape " + Arrays.toString(outShape));
        return out;
    }

    private static void check(int[] sa, int[] sb, int[] expectedShape, Layout la, Layout lb, long seed) {
        Random r = new Random(seed);
        float[] a = TestTensors.gaussian(r, numel(sa), 1);
        float[] b = TestTensors.gaussian(r, numel(sb), 1);
        double[][] abs = new double[1][];
        double[] expected = reference(a, sa, b, sb, expectedShape, abs);
        Tensor ta = TestTensors.layout(a, sa, la);
        Tensor tb = TestTensors.layout(b, sb, lb);
        Tensor c = ta.matmul(tb);
        String what = Arrays.toString(sa) + " " + la + " · " + Arrays.toString(sb) + " " + lb;
        assertShape(c, expectedShape);
        int k = sa[sa.length - 1];
        double[] sAbs = abs[0];
        assertClose(expected, c.toFloatArray(), i -> (k + 2) * 0x1p-24 * sAbs[i] + Float.MIN_NORMAL, what);
    }

    private static void checkAllLayouts(int[] sa, int[] sb, int[] expectedShape) {
        long seed = 1;
        for (Layout la : Layout.values()) {
            for (Layout lb : Layout.values()) {
                check(sa, sb, expectedShape, la, lb, seed++);
            }
        }
    }

    @Test
    void twoDimensionalProductMatchesTripleLoop() {
        checkAllLayouts(new int[]{5, 7}, new int[]{7, 3}, new int[]{5, 3});
        // sizes that are not multiples of any register tile or vector, and k > one packed block is not needed
        checkAllLayouts(new int[]{37, 53}, new int[]{53, 29}, new int[]{37, 29});
        checkAllLayouts(new int[]{1, 1}, new int[]{1, 1}, new int[]{1, 1});
    }

    @Test
    void largerProductSplitAcrossThreadsAndPackedBlocksMatchesTripleLoop() {
        // k = 800 crosses the 768-step packing block; 130·90·800 FMAs split over the workers
        check(new int[]{130, 800}, new int[]{800, 90}, new int[]{130, 90}, Layout.CONTIGUOUS, Layout.CONTIGUOUS, 7);
        check(new int[]{130, 800}, new int[]{800, 90}, new int[]{130, 90}, Layout.TRANSPOSED, Layout.TRANSPOSED, 8);
    }

    @Test
    void batchedProductsMatchTripleLoop() {
        checkAllLayouts(new int[]{3, 4, 5}, new int[]{3, 5, 6}, new int[]{3, 4, 6});
        checkAllLayouts(new int[]{2, 3, 4, 5}, new int[]{2, 3, 5, 6}, new int[]{2, 3, 4, 6});
    }

    @Test
    void batchDimensionsBroadcast() {
        checkAllLayouts(new int[]{2, 1, 3, 4}, new int[]{5, 4, 6}, new int[]{2, 5, 3, 6});
        checkAllLayouts(new int[]{3, 4}, new int[]{2, 4, 5}, new int[]{2, 3, 5});
        checkAllLayouts(new int[]{2, 3, 4}, new int[]{4, 5}, new int[]{2, 3, 5});
    }

    @Test
    void oneDimensionalOperandsFollowTorchMatmul() {
        checkAllLayouts(new int[]{4}, new int[]{4, 6}, new int[]{6});
        checkAllLayouts(new int[]{6, 4}, new int[]{4}, new int[]{6});
        checkAllLayouts(new int[]{19}, new int[]{19}, new int[0]);
        checkAllLayouts(new int[]{2, 3, 4}, new int[]{4}, new int[]{2, 3});
        checkAllLayouts(new int[]{4}, new int[]{2, 4, 5}, new int[]{2, 5});
    }

    @Test
    void slicedOperandsWithOffsetsAndExpandedBatches() {
        Random r = new Random(11);
        float[] big = TestTensors.gaussian(r, 9 * 12, 1);
        Tensor bigA = Tensor.of(big, 9, 12);
        Tensor a = bigA.narrow(0, 2, 5).narrow(1, 3, 7); // [5, 7] at offset 27, row stride 12
        float[] av = a.toFloatArray(); // the view's values, by the view code tested in TensorViewTest
        float[] bv = TestTensors.gaussian(r, 7 * 4, 1);
        Tensor b = Tensor.of(bv, 7, 4);
        double[][] abs = new double[1][];
        double[] e = reference(av, new int[]{5, 7}, bv, new int[]{7, 4}, new int[]{5, 4}, abs);
        double[] sAbs = abs[0];
        assertClose(e, a.matmul(b).toFloatArray(), i -> 9 * 0x1p-24 * sAbs[i], "sliced A");
        // B sliced with a step on both dimensions and an offset
        float[] bigB = TestTensors.gaussian(r, 15 * 10, 1);
        Tensor bs = Tensor.of(bigB, 15, 10).slice(0, 1, 15, 2).slice(1, 2, 10, 2); // [7, 4]
        float[] bsv = bs.toFloatArray();
        e = reference(av, new int[]{5, 7}, bsv, new int[]{7, 4}, new int[]{5, 4}, abs);
        double[] sAbs2 = abs[0];
        assertClose(e, a.matmul(bs).toFloatArray(), i -> 9 * 0x1p-24 * sAbs2[i], "sliced A · stepped B");
        // a matrix expanded over a batch (stride-0 batch dimension) against a real batch
        float[] bb = TestTensors.gaussian(r, 3 * 7 * 2, 1);
        Tensor batchB = Tensor.of(bb, 3, 7, 2);
        Tensor ae = a.unsqueeze(0).expand(3, 5, 7);
        float[] aRep = new float[3 * 35];
        for (int i = 0; i < 3; i++) {
            System.arraycopy(av, 0, aRep, i * 35, 35);
        }
        e = reference(aRep, new int[]{3, 5, 7}, bb, new int[]{3, 7, 2}, new int[]{3, 5, 2}, abs);
        double[] sAbs3 = abs[0];
        Tensor c = ae.matmul(batchB);
        assertShape(c, 3, 5, 2);
        assertClose(e, c.toFloatArray(), i -> 9 * 0x1p-24 * sAbs3[i], "expanded batch");
    }

    @Test
    void operandsWithStrideZeroMatrixDimensions() {
        // a row repeated down A (row stride 0) and a column repeated across B (column stride 0)
        Random r = new Random(12);
        float[] row = TestTensors.gaussian(r, 9, 1);
        float[] col = TestTensors.gaussian(r, 9, 1);
        Tensor a = Tensor.of(row, 1, 9).expand(6, 9);
        Tensor b = Tensor.of(col, 9, 1).expand(9, 20);
        double dot = 0;
        double abs = 0;
        for (int p = 0; p < 9; p++) {
            dot += (double) row[p] * col[p];
            abs += Math.abs((double) row[p] * col[p]);
        }
        double[] expected = new double[6 * 20];
        java.util.Arrays.fill(expected, dot);
        double tol = 11 * 0x1p-24 * abs;
        Tensor c = a.matmul(b);
        assertShape(c, 6, 20);
        assertClose(expected, c.toFloatArray(), 0, tol, "stride-0 rows and columns");
    }

    @Test
    void emptyDimensionsGiveEmptyOrZeroResults() {
        assertShape(Tensor.zeros(0, 3).matmul(Tensor.zeros(3, 4)), 0, 4);
        // k = 0: the sum over nothing is 0
        assertClose(new double[6], Tensor.zeros(2, 0).matmul(Tensor.zeros(0, 3)).toFloatArray(), 0, 0, "k = 0");
    }

    @Test
    void shapeErrorsNameBothShapes() {
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 5)));
        assertTrue(e.getMessage().contains("matmul") && e.getMessage().contains("[2, 3]")
                && e.getMessage().contains("[4, 5]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> Tensor.zeros(3).matmul(Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[4]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class,
                () -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(5, 4, 6)));
        assertTrue(e.getMessage().contains("matmul") && e.getMessage().contains("[2, 3, 4]")
                && e.getMessage().contains("[5, 4, 6]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> Tensor.scalar(1).matmul(Tensor.zeros(2)));
        assertTrue(e.getMessage().contains("[]") && e.getMessage().contains("[2]"), e.getMessage());
    }
}
