package io.jformer.tensor.cpu;

import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A batch times one shared matrix (a linear layer) runs as a single GEMM with the batch folded into rows. The
 * fold must give exactly what the plain path gives, each batch entry multiplied on its own: the GEMM computes
 * every output element with the same reduction order whatever M is, so the results are compared bit for bit.
 */
class MatmulFoldTest {

    private static Tensor random(Random r, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Tensor.of(v, shape);
    }

    private static void assertBitsEqual(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                throw new AssertionError(what + ", element " + i + ": " + expected[i] + " alone, " + actual[i] + " folded");
            }
        }
    }

    @Test
    void foldedBatchEqualsEachEntryMultipliedAlone() {
        Random r = new Random(11);
        Tensor x = random(r, 4, 70, 300);
        Tensor w = random(r, 90, 300);
        assertEachEntryMatchesItsProductAlone(x, w.t());
    }

    /** {@code x·b} over the batch gives, entry by entry, bit for bit what that entry multiplied alone gives. */
    private static void assertEachEntryMatchesItsProductAlone(Tensor x, Tensor b) {
        Tensor folded = x.matmul(b);
        for (int e = 0; e < x.size(0); e++) {
            Tensor alone = x.select(0, e).contiguous().matmul(b);
            assertBitsEqual(alone.toFloatArray(), folded.select(0, e).contiguous().toFloatArray(), "batch entry " + e);
        }
    }

    @Test
    void onlyRowStackableBatchesOverASharedMatrixFold() {
        Random r = new Random(12);
        Tensor x = random(r, 3, 5, 8);
        Tensor w = random(r, 8, 6);
        assertTrue(plan(x, w), "contiguous batch over a shared matrix");
        assertTrue(plan(random(r, 2, 3, 5, 8), w), "several batch dimensions stacked in order");
        assertFalse(plan(x.permute(1, 0, 2), w), "batch stride does not continue the row stride");
        assertFalse(plan(x, random(r, 3, 8, 6)), "each entry has its own B");
        assertTrue(plan(random(r, 3, 9, 8).narrow(1, 0, 1), w), "one row per entry, the batch stride apart");
        assertFalse(plan(random(r, 3, 9, 8).narrow(1, 0, 2), w), "two rows per entry, then a gap");
    }

    private static boolean plan(Tensor a, Tensor b) {
        var p = io.jformer.tensor.OpShapes.matmul(a, b);
        return MatmulDispatch.foldedRowStride(p.a(), p.b()) >= 0;
    }

    @Test
    void oneRowRepeatedOverTheBatchFoldsAsRowsThatReadTheSameStorage() {
        // An expanded [1, 1, H] has batch stride 0: folded, every row of the GEMM reads the same values.
        Random r = new Random(15);
        Tensor row = random(r, 1, 1, 40);
        Tensor x = row.expand(4, 1, 40);
        Tensor w = random(r, 24, 40);
        assertTrue(plan(x, w.t()), "stride-0 batch of one row");
        assertEachEntryMatchesItsProductAlone(x, w.t());
    }

    @Test
    void oneRowPerEntrySlicedFromLongerSequencesFoldsWithTheBatchStride() {
        // The [CLS] rows of a batch of sequences, as BERT's last layer projects them: x[:, 0:1, :].
        Random r = new Random(14);
        Tensor x = random(r, 5, 12, 40).narrow(1, 0, 1);
        Tensor w = random(r, 24, 40);
        assertTrue(plan(x, w.t()), "one [CLS] row per sequence");
        assertEachEntryMatchesItsProductAlone(x, w.t());
    }

    @Test
    void foldedProductOfANarrowedInputMatchesThePlainPath() {
        // Narrowed columns: rows are still evenly spaced, so the batch folds with the row stride of the parent.
        Random r = new Random(13);
        Tensor x = random(r, 3, 40, 64).narrow(2, 8, 48);
        Tensor w = random(r, 48, 33);
        Tensor folded = x.matmul(w);
        for (int b = 0; b < 3; b++) {
            Tensor alone = x.select(0, b).matmul(w);
            assertBitsEqual(alone.toFloatArray(), folded.select(0, b).contiguous().toFloatArray(), "batch entry " + b);
        }
    }
}
