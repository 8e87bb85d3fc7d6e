package io.jformer.tensor;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.jformer.tensor.TestTensors.assertShape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Views: shapes, strides and offsets of reshape, permute, slice, expand and friends, checked against index
 * arithmetic written out in each test. Base tensors hold {@code 0, 1, 2, ...}, so every element names its own
 * storage position and a wrong stride or offset reads a wrong number. All checks are exact.
 */
class TensorViewTest {

    /** {@code [0, 1, ..., n-1]} in the given shape (values exact in float). */
    private static Tensor iota(int... shape) {
        int n = TestTensors.numel(shape);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        return Tensor.of(v, shape);
    }

    private static float[] floats(int... values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = values[i];
        }
        return f;
    }

    // ---- reshape / view ------------------------------------------------------------------------------

    @Test
    void reshapeOfContiguousIsAViewWithInferredDimension() {
        Tensor a = iota(2, 3, 4);
        Tensor r = a.reshape(4, -1);
        assertShape(r, 4, 6);
        assertSame(a.storage(), r.storage(), "reshape of a contiguous tensor must not copy");
        assertArrayEquals(new int[]{6, 1}, r.strides());
        assertEquals(13, r.get(2, 1), 0); // row-major position 2*6 + 1
        assertShape(a.reshape(-1), 24);
        assertShape(a.reshape(2, -1, 2), 2, 6, 2);
        assertShape(Tensor.scalar(5).reshape(1, 1), 1, 1);
        assertShape(iota(1).reshape(), new int[0]);
    }

    @Test
    void reshapeRejectsBadTargetsNamingTheShapes() {
        Tensor a = iota(2, 3, 4);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> a.reshape(5, -1));
        assertTrue(e.getMessage().contains("[2, 3, 4]") && e.getMessage().contains("5"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> a.reshape(5, 5));
        assertTrue(e.getMessage().contains("[2, 3, 4]") && e.getMessage().contains("[5, 5]"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class, () -> a.reshape(-1, -1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        assertThrows(ShapeMismatchException.class, () -> a.reshape(0, -1), "0 known elements cannot infer -1");
    }

    @Test
    void reshapeOfNonContiguousCopiesInRowMajorOrder() {
        Tensor t = iota(3, 4).t(); // [4, 3]: element (i, j) = 4j + i
        Tensor r = t.reshape(12);
        assertNotSame(t.storage(), r.storage());
        float[] expected = new float[12];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                expected[i * 3 + j] = 4 * j + i;
            }
        }
        assertArrayEquals(expected, r.toFloatArray());
    }

    @Test
    void viewOfNonContiguousFailsNamingTheShapeAndTheRemedy() {
        Tensor t = iota(3, 4).t();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.view(12));
        assertTrue(e.getMessage().contains("non-contiguous") && e.getMessage().contains("[4, 3]")
                && e.getMessage().contains("contiguous()"), e.getMessage());
        Tensor ok = iota(3, 4).view(2, 6);
        assertShape(ok, 2, 6);
    }

    // ---- permute / transpose -------------------------------------------------------------------------

    @Test
    void permuteReordersDimensionsAndStrides() {
        Tensor a = iota(2, 3, 4); // strides 12, 4, 1
        Tensor p = a.permute(2, 0, 1);
        assertShape(p, 4, 2, 3);
        assertArrayEquals(new int[]{1, 12, 4}, p.strides());
        assertSame(a.storage(), p.storage());
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 2; j++) {
                for (int k = 0; k < 3; k++) {
                    assertEquals(12 * j + 4 * k + i, p.get(i, j, k), 0);
                }
            }
        }
        assertShape(a.permute(-1, -2, -3), 4, 3, 2);
        assertThrows(IllegalArgumentException.class, () -> a.permute(0, 0, 1), "repeated dimension");
        assertThrows(ShapeMismatchException.class, () -> a.permute(0, 1));
    }

    @Test
    void transposeAndTSwapTheLastTwoDimensions() {
        Tensor a = iota(2, 3, 4);
        Tensor t = a.t();
        assertShape(t, 2, 4, 3);
        Tensor tr = a.transpose(0, 2);
        assertShape(tr, 4, 3, 2);
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    float v = 12 * i + 4 * j + k;
                    assertEquals(v, t.get(i, k, j), 0);
                    assertEquals(v, tr.get(k, j, i), 0);
                }
            }
        }
        assertThrows(ShapeMismatchException.class, () -> iota(3).t());
    }

    // ---- narrow / slice / select ---------------------------------------------------------------------

    @Test
    void sliceWithStepSetsOffsetAndStride() {
        Tensor a = iota(5, 10); // element (i, j) = 10i + j
        Tensor s = a.slice(1, 1, 10, 3); // columns 1, 4, 7
        assertShape(s, 5, 3);
        assertEquals(1, s.offset());
        assertArrayEquals(new int[]{10, 3}, s.strides());
        Tensor s2 = s.slice(0, 1, 5, 2); // rows 1, 3
        assertShape(s2, 2, 3);
        assertArrayEquals(floats(11, 14, 17, 31, 34, 37), s2.toFloatArray());
        assertShape(a.slice(1, 2, 9, 3), 5, 3); // 2, 5, 8
        assertShape(a.slice(1, 4, 4, 1), 5, 0);
        assertThrows(IllegalArgumentException.class, () -> a.slice(1, 0, 10, 0));
    }

    @Test
    void narrowTakesAContiguousRange() {
        Tensor a = iota(4, 6);
        Tensor n = a.narrow(1, 2, 3);
        assertShape(n, 4, 3);
        assertEquals(2, n.offset());
        assertFalse(n.isContiguous());
        float[] expected = new float[12];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                expected[i * 3 + j] = 6 * i + 2 + j;
            }
        }
        assertArrayEquals(expected, n.toFloatArray());
        Tensor rows = a.narrow(0, 1, 2);
        assertTrue(rows.isContiguous(), "whole rows are contiguous");
        assertEquals(6, rows.offset());
    }

    @Test
    void selectRemovesTheDimension() {
        Tensor a = iota(2, 3, 4);
        Tensor s = a.select(1, 2); // [2, 4]: (i, k) = 12i + 8 + k
        assertShape(s, 2, 4);
        assertArrayEquals(floats(8, 9, 10, 11, 20, 21, 22, 23), s.toFloatArray());
        Tensor last = a.select(-1, 3);
        assertShape(last, 2, 3);
        assertArrayEquals(floats(3, 7, 11, 15, 19, 23), last.toFloatArray());
        assertShape(iota(3).select(0, 1), new int[0]);
        assertEquals(1f, iota(3).select(0, 1).item());
    }

    // ---- expand / broadcastTo ------------------------------------------------------------------------

    @Test
    void expandStretchesSizeOneDimensionsWithStrideZero() {
        Tensor col = iota(3, 1); // 0, 1, 2
        Tensor e = col.expand(2, 3, 4);
        assertShape(e, 2, 3, 4);
        assertArrayEquals(new int[]{0, 1, 0}, e.strides());
        assertSame(col.storage(), e.storage());
        assertFalse(e.isContiguous());
        float[] values = e.toFloatArray();
        for (int flat = 0; flat < values.length; flat++) {
            assertEquals(TestTensors.unravel(flat, new int[]{2, 3, 4})[1], values[flat], 0);
        }
        assertShape(col.expand(-1, 5), 3, 5);
        assertShape(Tensor.scalar(7).broadcastTo(Shape.of(2, 2)), 2, 2);
        assertArrayEquals(floats(7, 7, 7, 7), Tensor.scalar(7).broadcastTo(Shape.of(2, 2)).toFloatArray());
        ShapeMismatchException ex = assertThrows(ShapeMismatchException.class, () -> iota(3, 2).expand(3, 4));
        assertTrue(ex.getMessage().contains("[3, 2]") && ex.getMessage().contains("[3, 4]"), ex.getMessage());
        assertThrows(ShapeMismatchException.class, () -> col.expand(-1, 3, 1), "-1 for a new dimension");
        assertThrows(ShapeMismatchException.class, () -> iota(2, 3).expand(3));
    }

    // ---- squeeze / unsqueeze -------------------------------------------------------------------------

    @Test
    void squeezeAndUnsqueezeAddAndRemoveSizeOneDimensions() {
        Tensor a = iota(2, 1, 3);
        Tensor s = a.squeeze(1);
        assertShape(s, 2, 3);
        assertArrayEquals(a.toFloatArray(), s.toFloatArray());
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> a.squeeze(0));
        assertTrue(e.getMessage().contains("[2, 1, 3]"), e.getMessage());
        Tensor b = iota(2, 3);
        assertShape(b.unsqueeze(0), 1, 2, 3);
        assertShape(b.unsqueeze(1), 2, 1, 3);
        assertShape(b.unsqueeze(2), 2, 3, 1);
        assertShape(b.unsqueeze(-1), 2, 3, 1);
        assertShape(b.unsqueeze(-3), 1, 2, 3);
        assertTrue(b.unsqueeze(1).isContiguous() && b.unsqueeze(2).isContiguous());
        assertThrows(IndexOutOfBoundsException.class, () -> b.unsqueeze(3));
        // on a transposed view the values follow the view, not the storage
        Tensor t = b.t().unsqueeze(1); // [3, 1, 2]: (j, 0, i) = 3i + j
        assertArrayEquals(floats(0, 3, 1, 4, 2, 5), t.toFloatArray());
        assertShape(Tensor.scalar(2).unsqueeze(0), 1);
    }

    // ---- contiguity and sharing ----------------------------------------------------------------------

    @Test
    void contiguousCopiesOnlyWhenNeeded() {
        Tensor a = iota(3, 4);
        assertTrue(a.isContiguous());
        assertSame(a, a.contiguous());
        Tensor t = a.t();
        assertFalse(t.isContiguous());
        Tensor c = t.contiguous();
        assertNotSame(t.storage(), c.storage());
        assertTrue(c.isContiguous());
        assertArrayEquals(t.toFloatArray(), c.toFloatArray());
        assertArrayEquals(Shape.of(4, 3).contiguousStrides(), c.strides());
        // size-1 dimensions may have any stride; an empty tensor is contiguous whatever its strides
        assertTrue(iota(3, 1).expand(3, 1).isContiguous());
        assertTrue(iota(1, 4).t().isContiguous(), "[4, 1] with strides (1, 4) is row-major");
        assertTrue(iota(3, 4).slice(1, 2, 2, 1).isContiguous(), "empty");
        assertFalse(iota(3, 4).slice(0, 0, 3, 2).isContiguous());
        Tensor rowSlice = iota(3, 4).narrow(0, 1, 1);
        assertSame(rowSlice, rowSlice.contiguous());
    }

    @Test
    void writesThroughAViewAreVisibleInTheBase() {
        Tensor base = Tensor.zeros(4, 5);
        Tensor view = base.t().slice(0, 1, 5, 2); // [2, 4]: base columns 1 and 3
        Backends.cpu().copy(Tensor.of(floats(1, 2, 3, 4, 5, 6, 7, 8), 2, 4), view);
        float[] got = base.toFloatArray();
        float[] expected = new float[20];
        for (int r = 0; r < 4; r++) {
            expected[r * 5 + 1] = 1 + r; // view row 0 = base column 1
            expected[r * 5 + 3] = 5 + r; // view row 1 = base column 3
        }
        assertArrayEquals(expected, got);
        // and a fill through a one-element view writes that element of the base
        Tensor cell = base.narrow(0, 2, 1).narrow(1, 4, 1);
        Backends.cpu().fill(cell, 9);
        assertEquals(9f, base.get(2, 4));
        assertEquals(9f, base.reshape(20).get(14));
    }

    @Test
    void getAndToFloatArrayFollowStridesAndOffsets() {
        // a 4-D view: permuted, sliced with a step and narrowed, over iota storage
        int[] dims = {3, 4, 5, 6};
        Tensor base = iota(dims);
        Tensor v = base.permute(3, 1, 0, 2).slice(0, 1, 6, 2).narrow(3, 1, 3); // [3, 4, 3, 3]
        assertShape(v, 3, 4, 3, 3);
        float[] flat = v.toFloatArray();
        int pos = 0;
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 4; b++) {
                for (int c = 0; c < 3; c++) {
                    for (int d = 0; d < 3; d++) {
                        int i3 = 1 + 2 * a;
                        int i1 = b;
                        int i0 = c;
                        int i2 = 1 + d;
                        float expected = ((i0 * 4 + i1) * 5 + i2) * 6 + i3;
                        assertEquals(expected, v.get(a, b, c, d), 0, Arrays.toString(new int[]{a, b, c, d}));
                        assertEquals(expected, flat[pos++], 0);
                    }
                }
            }
        }
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> v.get(0, 4, 0, 0));
        assertTrue(e.getMessage().contains("4") && e.getMessage().contains("size 4"), e.getMessage());
        assertThrows(ShapeMismatchException.class, () -> v.get(0, 0));
    }

    @Test
    void longAndHalfTensorsConvertOnRead() {
        Tensor ids = Tensor.ofLongs(new long[]{3, -2, 7, 1 << 20}, 2, 2);
        assertArrayEquals(floats(3, -2, 7, 1 << 20), ids.toFloatArray());
        assertArrayEquals(new long[]{3, 7, -2, 1 << 20}, ids.t().toLongArray());
        // float to I64 truncates toward zero, like a C cast
        assertArrayEquals(new long[]{2, -2, 0}, Tensor.of(new float[]{2.9f, -2.9f, 0.5f}, 3).toLongArray());
        Tensor h = Tensor.of(floats(1, 2, 3, 4, 5, 6), 2, 3).to(DType.F16).t();
        assertArrayEquals(floats(1, 4, 2, 5, 3, 6), h.toFloatArray());
        assertEquals(5f, h.get(1, 1));
    }

    @Test
    void creationHelpersHaveTheirDocumentedShapesAndValues() {
        assertArrayEquals(floats(0, 1, 2, 3), Tensor.arange(4).toFloatArray());
        assertArrayEquals(new float[]{1f, 1.5f, 2f, 2.5f}, Tensor.arange(1, 3, 0.5).toFloatArray());
        assertArrayEquals(floats(5, 3), Tensor.arange(5, 1, -2).toFloatArray());
        assertEquals(0, Tensor.arange(3, 3, 1).numel());
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 1, 0));
        assertArrayEquals(new float[]{2.5f, 2.5f}, Tensor.full(2.5, 2).toFloatArray());
        assertShape(Tensor.scalar(1), new int[0]);
        assertEquals(3f, Tensor.scalar(3).item());
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> Tensor.of(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("5") && e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(ShapeMismatchException.class, () -> Tensor.ones(2).item());
        // of() copies its input
        float[] data = {1, 2};
        Tensor t = Tensor.of(data, 2);
        data[0] = 9;
        assertEquals(1f, t.get(0));
    }
}
