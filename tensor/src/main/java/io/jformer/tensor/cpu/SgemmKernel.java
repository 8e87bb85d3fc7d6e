package io.jformer.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SGEMM micro-kernel: a 8 x 3-vector tile of C held in 24 vector registers while it runs over one
 * packed A micro-panel and one packed B micro-panel.
 *
 * <p>Everything stays inside this one method on purpose: C2 keeps vector locals in registers only while it can see
 * every use, and a vector passed to a method that is not inlined (this method is far too large for the inliner's
 * budget to reach its callees' callees) is boxed on the heap, which costs more than the arithmetic.
 */
final class SgemmKernel {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int VLEN = SPECIES.length();
    /** Rows of the micro-tile. */
    static final int MR = 8;
    /** Columns of the micro-tile: 3 vectors. */
    static final int NR = 3 * VLEN;

    private SgemmKernel() {
    }

    /**
     * Computes the tile {@code T = Ap·Bp} over {@code kc} steps and stores {@code T} (or {@code C + T} when {@code add})
     * at {@code c[cBase + i*ldc + j]} for the full MR x NR tile.
     *
     * @param ap packed A: step {@code p}, row {@code i} at {@code ap[aBase + p*MR + i]}
     * @param bp packed B: step {@code p}, column {@code j} at {@code bp[bBase + p*NR + j]}
     */
    static void tile(float[] ap, int aBase, float[] bp, int bBase, int kc, float[] c, int cBase, int ldc, boolean add) {
        FloatVector zero = FloatVector.zero(SPECIES);
        FloatVector c00 = zero, c01 = zero, c02 = zero;
        FloatVector c10 = zero, c11 = zero, c12 = zero;
        FloatVector c20 = zero, c21 = zero, c22 = zero;
        FloatVector c30 = zero, c31 = zero, c32 = zero;
        FloatVector c40 = zero, c41 = zero, c42 = zero;
        FloatVector c50 = zero, c51 = zero, c52 = zero;
        FloatVector c60 = zero, c61 = zero, c62 = zero;
        FloatVector c70 = zero, c71 = zero, c72 = zero;
        for (int p = 0; p < kc; p++) {
            int ai = aBase + p * MR;
            int bi = bBase + p * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + VLEN);
            FloatVector b2 = FloatVector.fromArray(SPECIES, bp, bi + 2 * VLEN);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, ap[ai + 0]); c00 = a.fma(b0, c00); c01 = a.fma(b1, c01); c02 = a.fma(b2, c02);
            a = FloatVector.broadcast(SPECIES, ap[ai + 1]); c10 = a.fma(b0, c10); c11 = a.fma(b1, c11); c12 = a.fma(b2, c12);
            a = FloatVector.broadcast(SPECIES, ap[ai + 2]); c20 = a.fma(b0, c20); c21 = a.fma(b1, c21); c22 = a.fma(b2, c22);
            a = FloatVector.broadcast(SPECIES, ap[ai + 3]); c30 = a.fma(b0, c30); c31 = a.fma(b1, c31); c32 = a.fma(b2, c32);
            a = FloatVector.broadcast(SPECIES, ap[ai + 4]); c40 = a.fma(b0, c40); c41 = a.fma(b1, c41); c42 = a.fma(b2, c42);
            a = FloatVector.broadcast(SPECIES, ap[ai + 5]); c50 = a.fma(b0, c50); c51 = a.fma(b1, c51); c52 = a.fma(b2, c52);
            a = FloatVector.broadcast(SPECIES, ap[ai + 6]); c60 = a.fma(b0, c60); c61 = a.fma(b1, c61); c62 = a.fma(b2, c62);
            a = FloatVector.broadcast(SPECIES, ap[ai + 7]); c70 = a.fma(b0, c70); c71 = a.fma(b1, c71); c72 = a.fma(b2, c72);
        }
        if (add) {
            c00 = c00.add(FloatVector.fromArray(SPECIES, c, cBase + 0 * ldc));
            c01 = c01.add(FloatVector.fromArray(SPECIES, c, cBase + 0 * ldc + VLEN));
            c02 = c02.add(FloatVector.fromArray(SPECIES, c, cBase + 0 * ldc + 2 * VLEN));
            c10 = c10.add(FloatVector.fromArray(SPECIES, c, cBase + 1 * ldc));
            c11 = c11.add(FloatVector.fromArray(SPECIES, c, cBase + 1 * ldc + VLEN));
            c12 = c12.add(FloatVector.fromArray(SPECIES, c, cBase + 1 * ldc + 2 * VLEN));
            c20 = c20.add(FloatVector.fromArray(SPECIES, c, cBase + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(SPECIES, c, cBase + 2 * ldc + VLEN));
            c22 = c22.add(FloatVector.fromArray(SPECIES, c, cBase + 2 * ldc + 2 * VLEN));
            c30 = c30.add(FloatVector.fromArray(SPECIES, c, cBase + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(SPECIES, c, cBase + 3 * ldc + VLEN));
            c32 = c32.add(FloatVector.fromArray(SPECIES, c, cBase + 3 * ldc + 2 * VLEN));
            c40 = c40.add(FloatVector.fromArray(SPECIES, c, cBase + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(SPECIES, c, cBase + 4 * ldc + VLEN));
            c42 = c42.add(FloatVector.fromArray(SPECIES, c, cBase + 4 * ldc + 2 * VLEN));
            c50 = c50.add(FloatVector.fromArray(SPECIES, c, cBase + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(SPECIES, c, cBase + 5 * ldc + VLEN));
            c52 = c52.add(FloatVector.fromArray(SPECIES, c, cBase + 5 * ldc + 2 * VLEN));
            c60 = c60.add(FloatVector.fromArray(SPECIES, c, cBase + 6 * ldc));
            c61 = c61.add(FloatVector.fromArray(SPECIES, c, cBase + 6 * ldc + VLEN));
            c62 = c62.add(FloatVector.fromArray(SPECIES, c, cBase + 6 * ldc + 2 * VLEN));
            c70 = c70.add(FloatVector.fromArray(SPECIES, c, cBase + 7 * ldc));
            c71 = c71.add(FloatVector.fromArray(SPECIES, c, cBase + 7 * ldc + VLEN));
            c72 = c72.add(FloatVector.fromArray(SPECIES, c, cBase + 7 * ldc + 2 * VLEN));
        }
        c00.intoArray(c, cBase + 0 * ldc); c01.intoArray(c, cBase + 0 * ldc + VLEN); c02.intoArray(c, cBase + 0 * ldc + 2 * VLEN);
        c10.intoArray(c, cBase + 1 * ldc); c11.intoArray(c, cBase + 1 * ldc + VLEN); c12.intoArray(c, cBase + 1 * ldc + 2 * VLEN);
        c20.intoArray(c, cBase + 2 * ldc); c21.intoArray(c, cBase + 2 * ldc + VLEN); c22.intoArray(c, cBase + 2 * ldc + 2 * VLEN);
        c30.intoArray(c, cBase + 3 * ldc); c31.intoArray(c, cBase + 3 * ldc + VLEN); c32.intoArray(c, cBase + 3 * ldc + 2 * VLEN);
        c40.intoArray(c, cBase + 4 * ldc); c41.intoArray(c, cBase + 4 * ldc + VLEN); c42.intoArray(c, cBase + 4 * ldc + 2 * VLEN);
        c50.intoArray(c, cBase + 5 * ldc); c51.intoArray(c, cBase + 5 * ldc + VLEN); c52.intoArray(c, cBase + 5 * ldc + 2 * VLEN);
        c60.intoArray(c, cBase + 6 * ldc); c61.intoArray(c, cBase + 6 * ldc + VLEN); c62.intoArray(c, cBase + 6 * ldc + 2 * VLEN);
        c70.intoArray(c, cBase + 7 * ldc); c71.intoArray(c, cBase + 7 * ldc + VLEN); c72.intoArray(c, cBase + 7 * ldc + 2 * VLEN);
    }
}
