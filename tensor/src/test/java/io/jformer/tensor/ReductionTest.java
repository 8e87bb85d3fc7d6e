package io.jformer.tensor;

import io.jformer.tensor.TestTensors.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Random;

import static io.jformer.tensor.TestTensors.assertClose;
import static io.jformer.tensor.TestTensors.assertShape;
import static io.jformer.tensor.TestTensors.numel;
import static io.jformer.tensor.TestTensors.unravel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sum, mean, max, min, argmax and sumTo against double loops written here, over single, several and all
 * dimensions, with and without keepDim, on contiguous inputs (leading dimensions reduced: the column kernel;
 * trailing ones: the row kernel) and on transposed and strided ones (which take the permute-and-copy path).
 *
 * <p>Tolerance: MAX and MIN are exact (they pick an element). SUM and MEAN of n floats accumulated in float
 * are within {@code (n + 16)·2⁻²⁴·Σ|x|} of the exact sum (the classic bound γₙ·Σ|x|, with 16 lane
 * accumulators folded at the end adding at most 16 more roundings), plus one rounding for MEAN's divide.
 */
class ReductionTest {

    private static final int[] SHAPE = {5, 6, 37}; // 37: a vector and a ragged tail on 16-lane rows

    /** Every subset of dimensions of a rank-3 tensor, the empty set meaning "all". */
    private static final int[][] DIM_SETS = {{0}, {1}, {2}, {0, 1}, {1, 2}, {0, 2}, {0, 1, 2}, {}};

    /** The reference reduction over {@code dims} of row-major {@code x} of {@code shape}; also fills {@code abs}. */
    private static double[] reference(ReduceOp op, float[] x, int[] shape, int[] dims, double[][] absOut,
                                      int[] countOut) {
        boolean[] reduced = new boolean[shape.length];
        for (int d : dims) {
            reduced[d] = true;
        }
        if (dims.length == 0) {
            Arrays.fill(reduced, true);
        }
        int[] kept = keptShape(shape, reduced);
        int outN = numel(kept);
        double[] acc = new double[outN];
        double[] abs = new double[outN];
        int[] count = new int[outN];
        Arrays.fill(acc, op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY
                : op == ReduceOp.MIN ? Double.POSITIVE_INFINITY : 0);
        for (int flat = 0; flat < x.length; flat++) {
            int[] idx = unravel(flat, shape);
            int o = 0;
            for (int d = 0; d < shape.length; d++) {
                o = o * kept[d] + (reduced[d] ? 0 : idx[d]);
            }
            double v = x[flat];
            count[o]++;
            abs[o] += Math.abs(v);
            acc[o] = switch (op) {
                case SUM, MEAN -> acc[o] + v;
                case MAX -> Double.isNaN(acc[o]) || Double.isNaN(v) ? Double.NaN : Math.max(acc[o], v);
                case MIN -> Double.isNaN(acc[o]) || Double.isNaN(v) ? Double.NaN : Math.min(acc[o], v);
            };
        }
        if (op == ReduceOp.MEAN) {
            for (int o = 0; o < outN; o++) {
                acc[o] /= count[o];
                abs[o] /= count[o];
            }
        }
        absOut[0] = abs;
        countOut[0] = count.length == 0 ? 0 : count[0];
        return acc;
    }

    private static int[] keptShape(int[] shape, boolean[] reduced) {
        int[] k = shape.clone();
        for (int d = 0; d < k.length; d++) {
            if (reduced[d]) {
                k[d] = 1;
            }
        }
        return k;
    }

    private static int[] squeezedShape(int[] shape, int[] dims) {
        if (dims.length == 0) {
            return new int[0];
        }
        int[] out = new int[shape.length - dims.length];
        int j = 0;
        for (int d = 0; d < shape.length; d++) {
            final int dd = d;
            if (Arrays.stream(dims).noneMatch(v -> v == dd)) {
                out[j++] = shape[d];
            }
        }
        return out;
    }

    private static void check(ReduceOp op, float[] x, int[] shape, Tensor t, int[] dims, boolean keepDim,
                              String what) {
        double[][] abs = new double[1][];
        int[] n = new int[1];
        double[] expected = reference(op, x, shape, dims, abs, n);
        Tensor got = t.reduce(op, keepDim, dims);
        boolean[] reduced = new boolean[shape.length];
        for (int d : dims) {
            reduced[d] = true;
        }
        if (dims.length == 0) {
            Arrays.fill(reduced, true);
        }
        assertShape(got, keepDim ? keptShape(shape, reduced) : squeezedShape(shape, dims));
        double[] a = abs[0];
        int count = n[0];
        if (op == ReduceOp.MAX || op == ReduceOp.MIN) {
            assertClose(expected, got.toFloatArray(), 0, 0, what);
        } else {
            assertClose(expected, got.toFloatArray(),
                    i -> (count + 16) * 0x1p-24 * a[i] + Math.ulp((float) expected[i]), what);
        }
    }

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void reductionMatchesDoubleLoopOverEveryDimensionSetAndLayout(ReduceOp op) {
        Random r = new Random(10 + op.ordinal());
        float[] x = TestTensors.gaussian(r, numel(SHAPE), 1);
        for (int i = 0; i < x.length; i += 7) {
            x[i] += 3; // a non-zero mean, so the sum is not small against Σ|x|
        }
        for (Layout layout : Layout.values()) {
            Tensor t = TestTensors.layout(x, SHAPE, layout);
            for (int[] dims : DIM_SETS) {
                for (boolean keepDim : new boolean[]{false, true}) {
                    check(op, x, SHAPE, t, dims, keepDim, op + " over " + Arrays.toString(dims) + " keepDim="
                            + keepDim + " of " + layout);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void leadingDimensionReductionOfWideMatrixMatchesDoubleLoop(ReduceOp op) {
        // [300, 700] over dim 0: the column kernel, 700 columns split over the threads in blocks of 256
        int[] shape = {300, 700};
        float[] x = TestTensors.gaussian(new Random(20 + op.ordinal()), numel(shape), 2);
        check(op, x, shape, Tensor.of(x, shape), new int[]{0}, false, op + " columns");
        check(op, x, shape, Tensor.of(x, shape), new int[]{1}, true, op + " rows");
        // a contiguous view with an offset (rows 10..299) goes through the column kernel too
        int[] sub = {290, 700};
        float[] tail = Arrays.copyOfRange(x, 10 * 700, x.length);
        check(op, tail, sub, Tensor.of(x, shape).narrow(0, 10, 290), new int[]{0}, false, op + " offset columns");
    }

    @Test
    void namedReductionMethodsNormaliseNegativeDimensions() {
        float[] x = {1, 2, 3, 4, 5, 6};
        Tensor t = Tensor.of(x, 2, 3);
        assertEquals(21f, t.sum().item());
        assertEquals(3.5f, t.mean().item());
        assertArrayEquals(new float[]{6, 15}, t.sum(false, -1).toFloatArray());
        assertArrayEquals(new float[]{2.5f, 3.5f, 4.5f}, t.mean(false, -2).toFloatArray());
        assertArrayEquals(new float[]{3, 6}, t.max(false, 1).toFloatArray());
        assertArrayEquals(new float[]{1, 2, 3}, t.min(true, 0).toFloatArray());
        assertShape(t.min(true, 0), 1, 3);
        assertShape(t.sum(), new int[0]);
        assertThrows(IllegalArgumentException.class, () -> t.sum(false, 1, -1), "dimension repeated");
    }

    @Test
    void maxAndMinPropagateNaN() {
        float[] x = {1, Float.NaN, 3, 4, 5, 6};
        Tensor t = Tensor.of(x, 2, 3);
        float[] rowMax = t.max(false, 1).toFloatArray();
        assertTrue(Float.isNaN(rowMax[0]) && rowMax[1] == 6, Arrays.toString(rowMax));
        float[] rowMin = t.min(false, 1).toFloatArray();
        assertTrue(Float.isNaN(rowMin[0]) && rowMin[1] == 4, Arrays.toString(rowMin));
        float[] colMax = t.max(false, 0).toFloatArray(); // column kernel
        assertTrue(colMax[0] == 4 && Float.isNaN(colMax[1]) && colMax[2] == 6, Arrays.toString(colMax));
        // a NaN in the vector part of a long row, and in its tail
        float[] longRow = new float[40];
        longRow[3] = Float.NaN;
        assertTrue(Float.isNaN(Tensor.of(longRow, 40).max(false, 0).item()));
        longRow[3] = 0;
        longRow[38] = Float.NaN;
        assertTrue(Float.isNaN(Tensor.of(longRow, 40).max(false, 0).item()));
        assertTrue(Float.isNaN(Tensor.of(longRow, 40).min(false, 0).item()));
    }

    @Test
    void maxOfAnEmptyDimensionIsAnError() {
        Tensor empty = Tensor.zeros(3, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> empty.max(false, 1));
        assertTrue(e.getMessage().contains("max") && e.getMessage().contains("[3, 0]"), e.getMessage());
        assertArrayEquals(new float[]{0, 0, 0}, empty.sum(false, 1).toFloatArray(), "empty sums are 0");
    }

    // ---- argmax ------------------------------------------------------------------------------------------

    @Test
    void argmaxReturnsTheFirstMaximumAlongEachDimension() {
        Random r = new Random(30);
        int[] shape = {4, 5, 23};
        float[] x = new float[numel(shape)];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextInt(4); // many ties: the first maximum must win
        }
        for (Layout layout : Layout.values()) {
            Tensor t = TestTensors.layout(x, shape, layout);
            for (int dim = 0; dim < 3; dim++) {
                int[] outShape = shape.clone();
                outShape[dim] = 1;
                long[] expected = new long[numel(outShape)];
                for (int o = 0; o < expected.length; o++) {
                    int[] idx = unravel(o, outShape);
                    double best = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < shape[dim]; k++) {
                        idx[dim] = k;
                        float v = x[TestTensors.ravel(idx, shape)];
                        if (v > best) {
                            best = v;
                            expected[o] = k;
                        }
                    }
                }
                Tensor keep = t.argmax(dim, true);
                assertEquals(DType.I64, keep.dtype());
                assertShape(keep, outShape);
                assertArrayEquals(expected, keep.toLongArray(), "argmax dim " + dim + " " + layout);
                Tensor squeezed = t.argmax(dim - 3, false); // negative dimension
                assertShape(squeezed, squeezedShape(shape, new int[]{dim}));
                assertArrayEquals(expected, squeezed.toLongArray());
            }
        }
    }

    @Test
    void argmaxTreatsNaNAsTheMaximum() {
        Tensor t = Tensor.of(new float[]{1, Float.NaN, 5, Float.NaN, Float.NaN, 0, 2, 9, 3}, 3, 3);
        assertArrayEquals(new long[]{1, 0, 1}, t.argmax(1, false).toLongArray());
        assertArrayEquals(new long[]{1, 0, 0}, t.argmax(0, false).toLongArray());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 0).argmax(1, false));
    }

    // ---- sumTo ------------------------------------------------------------------------------------------

    @Test
    void sumToReducesABroadcastGradientToItsSourceShape() {
        Random r = new Random(40);
        int[] big = {3, 4, 5};
        float[] x = TestTensors.gaussian(r, numel(big), 1);
        Tensor t = Tensor.of(x, big);
        int[][] targets = {{4, 1}, {1, 5}, {5}, {}, {3, 1, 5}, {1, 4, 1}, {1, 1, 1}, {3, 4, 5}};
        for (int[] target : targets) {
            int lead = big.length - target.length;
            double[] expected = new double[numel(target)];
            double[] abs = new double[expected.length];
            for (int flat = 0; flat < x.length; flat++) {
                int[] idx = unravel(flat, big);
                int o = 0;
                for (int d = 0; d < target.length; d++) {
                    o = o * target[d] + (target[d] == 1 ? 0 : idx[lead + d]);
                }
                expected[o] += x[flat];
                abs[o] += Math.abs(x[flat]);
            }
            Tensor got = t.sumTo(Shape.of(target));
            assertShape(got, target);
            assertClose(expected, got.toFloatArray(), i -> 76 * 0x1p-24 * abs[i], "sumTo " + Arrays.toString(target));
        }
        assertTrue(t.sumTo(Shape.of(big)) == t, "sumTo its own shape is the identity");
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> t.sumTo(Shape.of(2, 5)));
        assertTrue(e.getMessage().contains("[3, 4, 5]") && e.getMessage().contains("[2, 5]"), e.getMessage());
        assertThrows(ShapeMismatchException.class, () -> t.sumTo(Shape.of(1, 3, 4, 5)));
    }
}
