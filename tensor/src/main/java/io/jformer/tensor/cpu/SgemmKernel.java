package io.jformer.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SGEMM micro-kernel: an 8-row by 2-vector tile of C (8 x 32 floats with 512-bit vectors) held in 16 vector
 * registers while it runs over one packed A micro-panel and one packed B micro-panel. Each step loads two B
 * vectors and broadcasts eight A values for sixteen fused multiply-adds.
 *
 * <p>Why 8 x 2 vectors: measured alone with data in L1, tiles of 6x4, 8x3, 12x2, 14x2 and 8x2 vectors all reach
 * the FMA peak of a Zen 5 core; inside the full GEMM 8x2 measured fastest (14x2 clearly slower, the others a
 * few percent behind), and its width of 32 columns divides the attention sizes 64 and 128, where 48 would leave
 * part of every edge tile idle. The tile is written out register by register because the JIT only keeps named locals
 * in registers.
 *
 * <p>Everything stays inside this one method on purpose: a vector handed to a method that is not inlined (and
 * this method is too large for the inliner to reach far) is boxed on the heap, which costs more than the
 * arithmetic. The code is correct for any vector length; only the tuning assumes 16 floats.
 *
 * <p>{@link #tileRowMajorA} repeats {@link #tile} for A read in place instead of packed. One kernel taking A's
 * row and step strides served both, but it kept more index registers live and ran the packed case at 154
 * instead of 232 GFLOP/s (2048x768x3072, 1 thread), so the copy is deliberate.
 */
final class SgemmKernel {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int VLEN = SPECIES.length();
    /** Rows of the micro-tile. */
    static final int MR = 8;
    /** Columns of the micro-tile: 2 vectors. */
    static final int NR = 2 * VLEN;

    private SgemmKernel() {
    }

    /**
     * Computes the tile {@code T = Ap·Bp} over {@code kc} steps and stores {@code T} (or {@code C + T} when
     * {@code add}) at {@code c[cBase + i*ldc + j]} for the full MR x NR tile.
     *
     * @param ap packed A: step {@code p}, row {@code i} at {@code ap[aBase + p*MR + i]}
     * @param bp packed B: step {@code p}, column {@code j} at {@code bp[bBase + p*NR + j]}
     */
    static void tile(float[] ap, int aBase, float[] bp, int bBase, int kc,
            float[] c, int cBase, int ldc, boolean add) {
        FloatVector zero = FloatVector.zero(SPECIES);
        FloatVector c00 = zero, c01 = zero;
        FloatVector c10 = zero, c11 = zero;
        FloatVector c20 = zero, c21 = zero;
        FloatVector c30 = zero, c31 = zero;
        FloatVector c40 = zero, c41 = zero;
        FloatVector c50 = zero, c51 = zero;
        FloatVector c60 = zero, c61 = zero;
        FloatVector c70 = zero, c71 = zero;
        for (int p = 0; p < kc; p++) {
            int ai = aBase + p * MR;
            int bi = bBase + p * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + VLEN);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, ap[ai + 0]); c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(SPECIES, ap[ai + 1]); c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(SPECIES, ap[ai + 2]); c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(SPECIES, ap[ai + 3]); c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(SPECIES, ap[ai + 4]); c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(SPECIES, ap[ai + 5]); c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(SPECIES, ap[ai + 6]); c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(SPECIES, ap[ai + 7]); c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
        }
        int row = cBase;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(SPECIES, c, row));
            c01 = c01.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c00.intoArray(c, row); c01.intoArray(c, row + VLEN);
        row += ldc;
        if (add) {
            c10 = c10.add(FloatVector.fromArray(SPECIES, c, row));
            c11 = c11.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c10.intoArray(c, row); c11.intoArray(c, row + VLEN);
        row += ldc;
        if (add) {
            c20 = c20.add(FloatVector.fromArray(SPECIES, c, row));
            c21 = c21.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c20.intoArray(c, row); c21.intoArray(c, row + VLEN);
        row += ldc;
        if (add) {
            c30 = c30.add(FloatVector.fromArray(SPECIES, c, row));
            c31 = c31.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c30.intoArray(c, row); c31.intoArray(c, row + VLEN);
        row += ldc;
        if (add) {
            c40 = c40.add(FloatVector.fromArray(SPECIES, c, row));
            c41 = c41.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c40.intoArray(c, row); c41.intoArray(c, row + VLEN);
        row += ldc;
        if (add) {
            c50 = c50.add(FloatVector.fromArray(SPECIES, c, row));
            c51 = c51.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c50.intoArray(c, row); c51.intoArray(c, row + VLEN);
        row += ldc;
        if (add) {
            c60 = c60.add(FloatVector.fromArray(SPECIES, c, row));
            c61 = c61.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c60.intoArray(c, row); c61.intoArray(c, row + VLEN);
        row += ldc;
        if (add) {
            c70 = c70.add(FloatVector.fromArray(SPECIES, c, row));
            c71 = c71.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c70.intoArray(c, row); c71.intoArray(c, row + VLEN);
    }

    /**
     * {@link #tile} with A read in place from a row-major matrix: row {@code i}, step {@code p} at
     * {@code a[aBase + i*lda + p]}. Same sums in the same order, so the results are identical.
     */
    static void tileRowMajorA(float[] a, int aBase, int lda, float[] bp, int bBase, int kc,
            float[] c, int cBase, int ldc, boolean add) {
        int r0 = aBase;
        int r1 = r0 + lda;
        int r2 = r1 + lda;
        int r3 = r2 + lda;
        int r4 = r3 + lda;
        int r5 = r4 + lda;
        int r6 = r5 + lda;
        int r7 = r6 + lda;
        FloatVector zero = FloatVector.zero(SPECIES);
        FloatVector c00 = zero, c01 = zero;
        FloatVector c10 = zero, c11 = zero;
        FloatVector c20 = zero, c21 = zero;
        FloatVector c30 = zero, c31 = zero;
        FloatVector c40 = zero, c41 = zero;
        FloatVector c50 = zero, c51 = zero;
        FloatVector c60 = zero, c61 = zero;
        FloatVector c70 = zero, c71 = zero;
        for (int p = 0; p < kc; p++) {
            int bi = bBase + p * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + VLEN);
            FloatVector x;
            x = FloatVector.broadcast(SPECIES, a[r0 + p]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, a[r1 + p]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, a[r2 + p]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, a[r3 + p]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SPECIES, a[r4 + p]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, a[r5 + p]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(SPECIES, a[r6 + p]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(SPECIES, a[r7 + p]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        int row = cBase;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(SPECIES, c, row));
            c01 = c01.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c00.intoArray(c, row); c01.intoArray(c, row + VLEN);
        row += ldc;
        if (add) {
            c10 = c10.add(FloatVector.fromArray(SPECIES, c, row));
            c11 = c11.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c10.intoArray(c, row); c11.intoArray(c, row + VLEN);
        row += ldc;
        if (add) {
            c20 = c20.add(FloatVector.fromArray(SPECIES, c, row));
            c21 = c21.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c20.intoArray(c, row); c21.intoArray(c, row + VLEN);
        row += ldc;
        if (add) {
            c30 = c30.add(FloatVector.fromArray(SPECIES, c, row));
            c31 = c31.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c30.intoArray(c, row); c31.intoArray(c, row + VLEN);
        row += ldc;
        if (add) {
            c40 = c40.add(FloatVector.fromArray(SPECIES, c, row));
            c41 = c41.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c40.intoArray(c, row); c41.intoArray(c, row + VLEN);
        row += ldc;
        if (add) {
            c50 = c50.add(FloatVector.fromArray(SPECIES, c, row));
            c51 = c51.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c50.intoArray(c, row); c51.intoArray(c, row + VLEN);
        row += ldc;
        if (add) {
            c60 = c60.add(FloatVector.fromArray(SPECIES, c, row));
            c61 = c61.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c60.intoArray(c, row); c61.intoArray(c, row + VLEN);
        row += ldc;
        if (add) {
            c70 = c70.add(FloatVector.fromArray(SPECIES, c, row));
            c71 = c71.add(FloatVector.fromArray(SPECIES, c, row + VLEN));
        }
        c70.intoArray(c, row); c71.intoArray(c, row + VLEN);
    }
}
