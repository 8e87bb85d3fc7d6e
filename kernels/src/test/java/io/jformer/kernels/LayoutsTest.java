package io.jformer.kernels;

import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Packing of the kernels' layout structs (CPU tensors stand in: only shapes, strides and offsets matter). */
class LayoutsTest {

    @Test
    void contiguousOperandsMergeIntoOneDimension() {
        Tensor a = Tensor.zeros(3, 5, 7);
        int[] L = Layouts.layout4(a.shape(), Tensor.zeros(3, 5, 7), a);
        assertEquals(1, L[0]);
        assertEquals(105, L[1]);
        assertEquals(105, L[2]);
        assertEquals(1, L[2 + Layouts.MAX_RANK]); // operand 0 stride
        assertEquals(1, L[2 + 2 * Layouts.MAX_RANK]); // operand 1 stride
    }

    @Test
    void broadcastBiasKeepsTwoDimensionsWithZeroStride() {
        Tensor x = Tensor.zeros(4, 6, 9);
        Tensor bias = Tensor.zeros(9);
        int[] L = Layouts.layout4(x.shape(), Tensor.zeros(4, 6, 9), x, bias);
        assertEquals(2, L[0]);
        assertArrayEquals(new int[]{24, 9}, new int[]{L[2], L[3]});
        int b = 2 + Layouts.MAX_RANK + 2 * Layouts.MAX_RANK;
        assertArrayEquals(new int[]{0, 1}, new int[]{L[b], L[b + 1]});
    }

    @Test
    void transposedViewKeepsItsStridesAndOffset() {
        Tensor base = Tensor.zeros(5, 3, 4);
        Tensor v = base.narrow(0, 1, 3).transpose(1, 2); // [3, 4, 3], offset 12
        int[] L = Layouts.layout4(v.shape(), Tensor.zeros(3, 4, 3), v);
        assertEquals(3, L[0]);
        int s1 = 2 + 2 * Layouts.MAX_RANK;
        assertArrayEquals(new int[]{12, 1, 4}, new int[]{L[s1], L[s1 + 1], L[s1 + 2]});
        assertEquals(12, L[2 + 5 * Layouts.MAX_RANK + 1]);
        assertEquals(0, L[2 + 5 * Layouts.MAX_RANK + 4]); // F32 dtype code
    }

    @Test
    void rowLayoutSeparatesTheRowFromLeadingDimensions() {
        Tensor x = Tensor.zeros(2, 3, 5, 5);
        Tensor mask = Tensor.zeros(2, 1, 1, 5);
        int[] L = Layouts.rowLayout(x.shape(), x, mask, null);
        assertEquals(2, L[0]); // [2, 15]: the 3 and 5 merge for x, and mask's zero strides merge too
        assertArrayEquals(new int[]{2, 15}, new int[]{L[1], L[2]});
        int mask0 = 1 + Layouts.MAX_RANK + Layouts.MAX_RANK;
        assertArrayEquals(new int[]{5, 0}, new int[]{L[mask0], L[mask0 + 1]});
        int rowStride = 1 + 4 * Layouts.MAX_RANK;
        assertArrayEquals(new int[]{1, 1, 0}, new int[]{L[rowStride], L[rowStride + 1], L[rowStride + 2]});
    }

    @Test
    void tooManyDimensionsAreRejectedWithTheShape() {
        int[] dims = {2, 2, 2, 2, 2, 2, 2, 2, 2};
        Tensor x = Tensor.zeros(dims);
        int[] perm = {8, 7, 6, 5, 4, 3, 2, 1, 0};
        Tensor p = x.permute(perm);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Layouts.layout4(p.shape(), Tensor.zeros(dims), p));
        assertEquals(true, e.getMessage().contains("[2, 2, 2, 2, 2, 2, 2, 2, 2]"));
    }

    @Test
    void mergeDropsSizeOneDimensions() {
        Layouts.Merged m = Layouts.merge(new int[]{1, 4, 1, 3}, new int[][]{{99, 3, 77, 1}});
        assertArrayEquals(new int[]{12}, m.dims());
        assertArrayEquals(new int[]{1}, m.strides()[0]);
        assertEquals(Shape.of(12).numel(), 12);
    }
}
