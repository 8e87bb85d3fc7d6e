package io.jformer.tensor.cpu;

import static io.jformer.tensor.cpu.SgemmKernel.MR;
import static io.jformer.tensor.cpu.SgemmKernel.NR;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The packed layouts element by element against their definitions in {@link SgemmPacking}'s documentation, for
 * every path the copies take (row-major, transposed, any other stride), full and part-filled panels, blocks that
 * start inside the matrix, and the lengths around each copy's runs. The GEMM tests see a packing mistake only
 * through a product; these name the element.
 */
class SgemmPackingTest {

    private static final int[] STEPS = {1, 7, 8, 9, 33, 128, 129, 300};
    private static final int[] ROWS = {1, 7, 8, 9, 24, 31, 200};
    private static final int[] COLUMNS = {1, 31, 32, 33, 64, 100};
    /** A NaN with a payload no copy makes. */
    private static final float SENTINEL = Float.intBitsToFloat(0x7fc0_1234);

    /** Strides {row, step} for an m x k A with room for it, or {step, column} for B: three layouts each. */
    private static int[][] layouts(int outer, int steps) {
        return new int[][] {{steps + 3, 1}, {1, outer + 5}, {2 * steps + 1, 2}};
    }

    @Test
    void packAHoldsEachPanelStepByStepAndZerosBelowTheMatrix() {
        Random random = new Random(11);
        for (int m : ROWS) {
            for (int k : STEPS) {
                for (int[] strides : layouts(m + 4, k + 2)) {
                    int rs = strides[0];
                    int cs = strides[1];
                    int off = random.nextInt(5);
                    // A is (m + 4) x (k + 2); the block starts at row 3 and step 1 and has m rows and k steps.
                    float[] a = SgemmTest.randomArray(random, off + (m + 3) * rs + (k + 1) * cs + 1);
                    int panels = (m + MR - 1) / MR;
                    float[] dst = sentinels(panels * MR * k + 7);
                    SgemmPacking.packA(a, off, rs, cs, 3, m, 1, k, dst);
                    String label = String.format("A %dx%d strides (%d, %d)", m, k, rs, cs);
                    for (int r = 0; r < panels; r++) {
                        for (int p = 0; p < k; p++) {
                            for (int i = 0; i < MR; i++) {
                                int row = r * MR + i;
                                float expected = row < m ? a[off + (3 + row) * rs + (1 + p) * cs] : 0f;
                                check(label, r * MR * k + p * MR + i, expected, dst);
                            }
                        }
                    }
                    checkUntouched(label, dst, panels * MR * k, dst.length);
                }
            }
        }
    }

    /**
     * The transposed copy reads whole vectors that reach past a panel on either side; with A exactly as long as
     * the matrix (its last element the array's last), from the first row and the first step, none may fall
     * outside the array.
     */
    @Test
    void transposedACopyStaysInsideAnArrayThatEndsWithTheMatrix() {
        Random random = new Random(13);
        for (int m : new int[] {16, 17, 24, 40, 200}) {
            for (int k : new int[] {1, 2, 3, 8, 9, 17}) {
                float[] a = SgemmTest.randomArray(random, k * m);
                int panels = (m + MR - 1) / MR;
                float[] dst = new float[panels * MR * k];
                SgemmPacking.packA(a, 0, 1, m, 0, m, 0, k, dst);
                for (int p = 0; p < k; p++) {
                    for (int i = 0; i < panels * MR; i++) {
                        float expected = i < m ? a[p * m + i] : 0f;
                        check("A^T " + m + "x" + k, (i / MR) * MR * k + p * MR + i % MR, expected, dst);
                    }
                }
            }
        }
    }

    @Test
    void packBHoldsEachPanelStepByStepAndZerosRightOfTheMatrix() {
        Random random = new Random(12);
        for (int n : COLUMNS) {
            for (int k : STEPS) {
                for (int[] strides : layouts(n + 4, k + 2)) {
                    // For B the first stride is the column's and the second the step's: swap to (step, column).
                    int rs = strides[1];
                    int cs = strides[0];
                    int off = random.nextInt(5);
                    int dstOff = random.nextInt(3);
                    float[] b = SgemmTest.randomArray(random, off + (k + 1) * rs + (n + 3) * cs + 1);
                    int panels = (n + NR - 1) / NR;
                    float[] dst = sentinels(dstOff + panels * NR * k + 5);
                    SgemmPacking.packB(b, off, rs, cs, 1, k, 3, n, dst, dstOff);
                    String label = String.format("B %dx%d strides (%d, %d)", k, n, rs, cs);
                    for (int s = 0; s < panels; s++) {
                        for (int p = 0; p < k; p++) {
                            for (int j = 0; j < NR; j++) {
                                int col = s * NR + j;
                                float expected = col < n ? b[off + (1 + p) * rs + (3 + col) * cs] : 0f;
                                check(label, dstOff + s * NR * k + p * NR + j, expected, dst);
                            }
                        }
                    }
                    checkUntouched(label, dst, 0, dstOff);
                    checkUntouched(label, dst, dstOff + panels * NR * k, dst.length);
                }
            }
        }
    }

    private static void check(String label, int idx, float expected, float[] dst) {
        if (Float.floatToRawIntBits(dst[idx]) != Float.floatToRawIntBits(expected)) {
            fail(label + ": packed[" + idx + "] = " + dst[idx] + ", expected " + expected);
        }
    }

    /** An output array of {@code length} floats, every one the sentinel, so a stray write shows. */
    private static float[] sentinels(int length) {
        float[] dst = new float[length];
        java.util.Arrays.fill(dst, SENTINEL);
        return dst;
    }

    /** Nothing was written to {@code dst[from, to)}. */
    private static void checkUntouched(String label, float[] dst, int from, int to) {
        for (int idx = from; idx < to; idx++) {
            check(label + " (outside the panels)", idx, SENTINEL, dst);
        }
    }
}
