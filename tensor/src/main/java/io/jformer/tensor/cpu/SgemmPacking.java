package io.jformer.tensor.cpu;

import static io.jformer.tensor.cpu.SgemmKernel.MR;
import static io.jformer.tensor.cpu.SgemmKernel.NR;
import static io.jformer.tensor.cpu.SgemmKernel.SPECIES;
import static io.jformer.tensor.cpu.SgemmKernel.VLEN;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Copies blocks of A and B into the layouts {@link SgemmKernel#tile} reads: A as panels of {@code MR} rows with
 * the rows of each step side by side, B as panels of {@code NR} columns with the columns of each step side by
 * side. Rows or columns past the edge of the matrix are filled with zeros, so the kernel always runs on full
 * tiles and the extra results are simply not stored.
 *
 * <p>Each method walks the source along its unit stride in the inner loop, which is what decides the speed of
 * a copy; that is the only difference between row-major and transposed operands.
 */
final class SgemmPacking {

    /**
     * Steps per pass of the transposing copy of B: the {@code STEP_RUN*NR} floats it scatters into (16 KiB) stay
     * in L1 while all NR columns visit them. Runs of 16 were slower than whole columns (a loop too short to
     * unroll); 64 to 256 alike.
     */
    private static final int STEP_RUN = 128;

    /**
     * Two steps of an A panel, 2*MR floats, fill one vector exactly (16-float vectors): the transposed copy
     * then moves them with two loads, a blend and one store. Vectors of another length take the scalar copy; a
     * vector species of MR floats would do it in one load, but on JDK 17 a second vector shape in the process
     * splits the Vector API's type profiles, and C2 then boxed every vector of the SGEMM kernel (a product 20x
     * slower).
     */
    private static final boolean TWO_STEPS_PER_VECTOR = VLEN == 2 * MR;
    /** Lanes of the second of two steps. */
    private static final VectorMask<Float> SECOND_STEP = VectorMask.fromLong(SPECIES, -1L << MR);
    /** Steps per pass of A's transposed copy (see copyFullPanels). */
    private static final int A_STEP_RUN = 8;

    private SgemmPacking() {
    }

    /**
     * Packs rows {@code [i0, i0 + mc)} and steps {@code [p0, p0 + kc)} of A into {@code dst}: panel {@code r}
     * starts at {@code r*MR*kc} and holds element {@code (i0 + r*MR + i, p0 + p)} at {@code p*MR + i}.
     */
    static void packA(float[] a, int aOff, int aRs, int aCs, int i0, int mc, int p0, int kc, float[] dst) {
        int r = 0;
        // Of two steps, the first one's load reads MR floats past its panel and the second's MR before it: both
        // stay inside the two steps' rows when those are at least 2*MR floats apart.
        if (aRs == 1 && TWO_STEPS_PER_VECTOR && aCs >= 2 * MR) {
            r = mc / MR;
            copyFullPanels(a, aOff + i0 + p0 * aCs, aCs, r, kc, dst);
        }
        for (; r * MR < mc; r++) {
            int rows = Math.min(MR, mc - r * MR);
            int panel = r * MR * kc;
            int src = aOff + (i0 + r * MR) * aRs + p0 * aCs;
            if (aCs == 1) {
                packRowsAlongSteps(a, src, aRs, rows, kc, dst, panel);
            } else {
                packStepsAlongRows(a, src, aRs, aCs, rows, kc, dst, panel);
            }
        }
    }

    /** A row-major: each row is contiguous, so read one row at a time and scatter it with stride MR. */
    private static void packRowsAlongSteps(float[] a, int src, int aRs, int rows, int kc, float[] dst, int panel) {
        for (int i = 0; i < rows; i++) {
            int s = src + i * aRs;
            for (int p = 0; p < kc; p++) {
                dst[panel + p * MR + i] = a[s + p];
            }
        }
        zeroRows(rows, kc, dst, panel);
    }

    /**
     * A transposed (a weight gradient's dY<sup>T</sup>, attention's P<sup>T</sup>) into {@code panels} full
     * panels: a step of a panel is MR contiguous floats. Two steps at a time fill a vector: the first step's row
     * is loaded from the panel's start, the second's from MR floats before it, so each holds its MR floats in its
     * own half. Passes of {@link #A_STEP_RUN} steps across all panels use each source line whole before moving on.
     * The scalar copy of one panel at a time it replaces ran at 0.6 ns per float in a MiniLM training step
     * (timed around every call); packing every block of a dW product's A right after dY was written (one
     * thread, three alternations): dY 2048x384 0.39-0.42 -> 0.19-0.24 ns per float, 2048x1536 0.32-0.44 ->
     * 0.18-0.28, 2048x3072 0.54-0.63 -> 0.34-0.37 (passes of 32 to 768 steps: no better than 8). Whole
     * products ({@code GemmBenchmark.gemmFreshA}, one thread, two alternations): t384x384x2048 3.64-4.17 ->
     * 3.38-3.41 ms, t3072x768x2048 55.6-56.3 -> 53.8 ms.
     */
    private static void copyFullPanels(float[] a, int src, int aCs, int panels, int kc, float[] dst) {
        int pairs = kc / 2 * 2;
        for (int p0 = 0; p0 < pairs; p0 += A_STEP_RUN) {
            int p1 = Math.min(pairs, p0 + A_STEP_RUN);
            for (int r = 0; r < panels; r++) {
                int s = src + p0 * aCs + r * MR;
                int d = r * MR * kc + p0 * MR;
                for (int p = p0; p < p1; p += 2, s += 2 * aCs, d += 2 * MR) {
                    FloatVector first = FloatVector.fromArray(SPECIES, a, s);
                    FloatVector second = FloatVector.fromArray(SPECIES, a, s + aCs - MR);
                    first.blend(second, SECOND_STEP).intoArray(dst, d);
                }
            }
        }
        if (pairs < kc) {
            for (int r = 0; r < panels; r++) {
                System.arraycopy(a, src + pairs * aCs + r * MR, dst, r * MR * kc + pairs * MR, MR);
            }
        }
    }

    /** A transposed at the bottom edge, or any other stride: read the rows of one step together. */
    private static void packStepsAlongRows(float[] a, int src, int aRs, int aCs, int rows, int kc, float[] dst,
            int panel) {
        for (int p = 0; p < kc; p++) {
            int s = src + p * aCs;
            int d = panel + p * MR;
            for (int i = 0; i < rows; i++) {
                dst[d + i] = a[s + i * aRs];
            }
        }
        zeroRows(rows, kc, dst, panel);
    }

    private static void zeroRows(int rows, int kc, float[] dst, int panel) {
        if (rows == MR) {
            return;
        }
        for (int p = 0; p < kc; p++) {
            for (int i = rows; i < MR; i++) {
                dst[panel + p * MR + i] = 0f;
            }
        }
    }

    /**
     * Packs steps {@code [p0, p0 + kc)} and columns {@code [j0, j0 + nc)} of B into {@code dst}: panel {@code s}
     * starts at {@code s*NR*kc} and holds element {@code (p0 + p, j0 + s*NR + j)} at {@code p*NR + j}.
     */
    static void packB(float[] b, int bOff, int bRs, int bCs, int p0, int kc, int j0, int nc, float[] dst) {
        packB(b, bOff, bRs, bCs, p0, kc, j0, nc, dst, 0);
    }

    /** {@link #packB(float[], int, int, int, int, int, int, int, float[])} into {@code dst} from {@code dstOff} on. */
    static void packB(float[] b, int bOff, int bRs, int bCs, int p0, int kc, int j0, int nc, float[] dst, int dstOff) {
        for (int s = 0; s * NR < nc; s++) {
            int cols = Math.min(NR, nc - s * NR);
            int panel = dstOff + s * NR * kc;
            int src = bOff + p0 * bRs + (j0 + s * NR) * bCs;
            if (bCs == 1 && cols == NR) {
                copyFullRows(b, src, bRs, kc, dst, panel);
            } else if (bCs == 1) {
                packColumnsAlongStep(b, src, bRs, 1, cols, kc, dst, panel);
            } else if (bRs == 1) {
                packStepsAlongColumn(b, src, bCs, cols, kc, dst, panel);
            } else {
                packColumnsAlongStep(b, src, bRs, bCs, cols, kc, dst, panel);
            }
        }
    }

    /** B row-major and a full panel: every step is NR contiguous floats, copied a vector at a time. */
    private static void copyFullRows(float[] b, int src, int bRs, int kc, float[] dst, int panel) {
        for (int p = 0; p < kc; p++) {
            int s = src + p * bRs;
            int d = panel + p * NR;
            for (int j = 0; j < NR; j += VLEN) {
                FloatVector.fromArray(SPECIES, b, s + j).intoArray(dst, d + j);
            }
        }
    }

    /** B row-major at the right edge, or any other stride: read the columns of one step together. */
    private static void packColumnsAlongStep(float[] b, int src, int bRs, int bCs, int cols, int kc, float[] dst,
            int panel) {
        for (int p = 0; p < kc; p++) {
            int s = src + p * bRs;
            int d = panel + p * NR;
            for (int j = 0; j < cols; j++) {
                dst[d + j] = b[s + j * bCs];
            }
            for (int j = cols; j < NR; j++) {
                dst[d + j] = 0f;
            }
        }
    }

    /**
     * B transposed (a linear layer's weight, attention's keys): each column is contiguous, so read a run of
     * {@link #STEP_RUN} steps of two columns at a time and scatter them, side by side, with stride NR. Whole
     * columns at once wrote lines 128 bytes apart over {@code kc*NR} floats, more than L1 holds from kc = 384 on,
     * for each of the NR columns in turn (PackT, one thread, ns per float, whole columns -> runs of 128): 768x768
     * 0.53 -> 0.26, 768x3072 0.77 -> 0.36, 384x1536 0.31 -> 0.26, 32x128 (attention's keys) 0.28 -> 0.27. Two
     * columns per pass rather than one, packing a whole weight right after it was written (one thread, medians
     * of four rounds; W's [rows x columns]): 384x384 0.35 -> 0.25, 768x768 0.365 -> 0.267, 3072x768 0.44 -> 0.34,
     * 768x3072 0.55 -> 0.41, 1536x384 0.46 -> 0.385; attention's keys (128 x 32) level. Four columns: no better
     * on the small weights, worse on the large. Inside a MiniLM training step, where AdamW's pass over every
     * parameter has pushed the weights out to memory, the gain is smaller (timed around every call): 1536x384
     * 0.66 -> 0.56-0.60, 384x1536 0.63 -> 0.49-0.56.
     */
    private static void packStepsAlongColumn(float[] b, int src, int bCs, int cols, int kc, float[] dst, int panel) {
        for (int p0 = 0; p0 < kc; p0 += STEP_RUN) {
            int p1 = Math.min(kc, p0 + STEP_RUN);
            int j = 0;
            for (; j + 1 < cols; j += 2) {
                int s0 = src + j * bCs;
                int s1 = s0 + bCs;
                for (int p = p0; p < p1; p++) {
                    int d = panel + p * NR + j;
                    dst[d] = b[s0 + p];
                    dst[d + 1] = b[s1 + p];
                }
            }
            if (j < cols) {
                int s = src + j * bCs;
                for (int p = p0; p < p1; p++) {
                    dst[panel + p * NR + j] = b[s + p];
                }
            }
        }
        for (int p = 0; p < kc; p++) {
            for (int j = cols; j < NR; j++) {
                dst[panel + p * NR + j] = 0f;
            }
        }
    }
}
