package io.jformer.tensor.cpu;

import io.jformer.tensor.ReduceOp;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A column sum (a linear layer's bias gradient) adds the rows one after another, in row order, whatever the
 * thread count and however many rows the kernel takes per pass. Checked bit for bit against that sum written
 * out in scalar code, on values spread over many magnitudes so that any other order or grouping would round
 * differently; row counts around the kernel's group of four and widths around the vector length reach every
 * remainder loop.
 */
class ColumnSumTest {

    /** {@code Σ_l x[off + l*cols + c]}, rows in order, in float. */
    private static float[] rowByRow(float[] x, int off, int rows, int cols) {
        float[] out = new float[cols];
        for (int l = 0; l < rows; l++) {
            for (int c = 0; c < cols; c++) {
                out[c] += x[off + l * cols + c];
            }
        }
        return out;
    }

    @Test
    void columnSumsAddTheRowsInOrder() {
        Random r = new Random(11);
        int lanes = VectorMath.LANES;
        int[] rowCounts = {0, 1, 3, 4, 5, 7, 8, 9, 130};
        int[] widths = {1, lanes - 1, lanes, lanes + 1, 3 * lanes + 5, 300, 700};
        try (WorkerPool one = new WorkerPool(1); WorkerPool two = new WorkerPool(2); WorkerPool three =
                new WorkerPool(3)) {
            for (int rows : rowCounts) {
                for (int cols : widths) {
                    int off = r.nextInt(3);
                    float[] x = SumLanesTest.spread(r, off + rows * cols);
                    float[] expected = rowByRow(x, off, rows, cols);
                    for (WorkerPool pool : new WorkerPool[]{one, two, three}) {
                        float[] got = new float[cols];
                        ReductionKernels.columns(pool, ReduceOp.SUM, x, off, rows, cols, got);
                        for (int c = 0; c < cols; c++) {
                            assertEquals(Float.floatToIntBits(expected[c]), Float.floatToIntBits(got[c]),
                                    rows + " x " + cols + ", column " + c + ", " + pool.threads() + " threads");
                        }
                    }
                }
            }
        }
    }

    @Test
    void addRowsAddsOntoWhatIsThere() {
        Random r = new Random(12);
        int rows = 6;
        int cols = 2 * VectorMath.LANES + 3;
        int stride = cols + 5;
        float[] x = SumLanesTest.spread(r, rows * stride);
        float[] start = SumLanesTest.spread(r, cols);
        float[] expected = start.clone();
        for (int l = 0; l < rows; l++) {
            for (int c = 0; c < cols; c++) {
                expected[c] += x[l * stride + c];
            }
        }
        float[] got = new float[cols + 2];
        System.arraycopy(start, 0, got, 1, cols);
        ReductionKernels.addRows(x, 0, stride, rows, got, 1, cols);
        for (int c = 0; c < cols; c++) {
            assertEquals(Float.floatToIntBits(expected[c]), Float.floatToIntBits(got[c + 1]), "column " + c);
        }
        assertEquals(0f, got[0]);
        assertEquals(0f, got[cols + 1]);
    }
}
