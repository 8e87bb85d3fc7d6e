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
 * <p>C is loaded before the loop, never added after it. An add after the loop made the method inline more of
 * the Vector API than C2 parses before it starts inlining calls late; on JDK 17 the last stores then saw an
 * inexact vector type, failed to intrinsify ({@code -XX:+PrintIntrinsics}) and boxed every tile, in some JVM
 * runs (when a product with k over {@link Sgemm#KC} had run before C2 compiled the kernel): such runs of
 * {@code EncodeThroughput} made 250-330 young collections instead of about 70. Now every value the stores read
 * is made before the loop or in it.
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
     * Runs the fused multiply-adds of {@code kc} steps, {@code T = Ap·Bp} added step by step onto zero, onto C's
     * values when {@code load}, or else onto the bias row {@code bias[biasOff + j]} in every row when
     * {@code bias} is not null, and stores the tile at {@code c[cBase + i*ldc + j]} for the full MR x NR tile.
     * The bias is read here, two vectors for the whole tile: written into C for the kernel to load, it cost the
     * product 4-15% (the loads waited on the fresh stores; 2048x384x1536 and 2048x768x768, 1 thread), while
     * this costs nothing measurable.
     *
     * @param ap packed A: step {@code p}, row {@code i} at {@code ap[aBase + p*MR + i]}
     * @param bp packed B: step {@code p}, column {@code j} at {@code bp[bBase + p*NR + j]}
     */
    static void tile(float[] ap, int aBase, float[] bp, int bBase, int kc,
            float[] c, int cBase, int ldc, boolean load, float[] bias, int biasOff) {
        FloatVector zero = FloatVector.zero(SPECIES);
        FloatVector c00 = zero, c01 = zero;
        FloatVector c10 = zero, c11 = zero;
        FloatVector c20 = zero, c21 = zero;
        FloatVector c30 = zero, c31 = zero;
        FloatVector c40 = zero, c41 = zero;
        FloatVector c50 = zero, c51 = zero;
        FloatVector c60 = zero, c61 = zero;
        FloatVector c70 = zero, c71 = zero;
        if (load) {
            c00 = FloatVector.fromArray(SPECIES, c, cBase + 0 * ldc);
            c01 = FloatVector.fromArray(SPECIES, c, cBase + 0 * ldc + VLEN);
            c10 = FloatVector.fromArray(SPECIES, c, cBase + 1 * ldc);
            c11 = FloatVector.fromArray(SPECIES, c, cBase + 1 * ldc + VLEN);
            c20 = FloatVector.fromArray(SPECIES, c, cBase + 2 * ldc);
            c21 = FloatVector.fromArray(SPECIES, c, cBase + 2 * ldc + VLEN);
            c30 = FloatVector.fromArray(SPECIES, c, cBase + 3 * ldc);
            c31 = FloatVector.fromArray(SPECIES, c, cBase + 3 * ldc + VLEN);
            c40 = FloatVector.fromArray(SPECIES, c, cBase + 4 * ldc);
            c41 = FloatVector.fromArray(SPECIES, c, cBase + 4 * ldc + VLEN);
            c50 = FloatVector.fromArray(SPECIES, c, cBase + 5 * ldc);
            c51 = FloatVector.fromArray(SPECIES, c, cBase + 5 * ldc + VLEN);
            c60 = FloatVector.fromArray(SPECIES, c, cBase + 6 * ldc);
            c61 = FloatVector.fromArray(SPECIES, c, cBase + 6 * ldc + VLEN);
            c70 = FloatVector.fromArray(SPECIES, c, cBase + 7 * ldc);
            c71 = FloatVector.fromArray(SPECIES, c, cBase + 7 * ldc + VLEN);
        } else if (bias != null) {
            FloatVector s0 = FloatVector.fromArray(SPECIES, bias, biasOff);
            FloatVector s1 = FloatVector.fromArray(SPECIES, bias, biasOff + VLEN);
            c00 = s0; c01 = s1; c10 = s0; c11 = s1; c20 = s0; c21 = s1; c30 = s0; c31 = s1;
            c40 = s0; c41 = s1; c50 = s0; c51 = s1; c60 = s0; c61 = s1; c70 = s0; c71 = s1;
        }
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
        c00.intoArray(c, row); c01.intoArray(c, row + VLEN);
        row += ldc;
        c10.intoArray(c, row); c11.intoArray(c, row + VLEN);
        row += ldc;
        c20.intoArray(c, row); c21.intoArray(c, row + VLEN);
        row += ldc;
        c30.intoArray(c, row); c31.intoArray(c, row + VLEN);
        row += ldc;
        c40.intoArray(c, row); c41.intoArray(c, row + VLEN);
        row += ldc;
        c50.intoArray(c, row); c51.intoArray(c, row + VLEN);
        row += ldc;
        c60.intoArray(c, row); c61.intoArray(c, row + VLEN);
        row += ldc;
        c70.intoArray(c, row); c71.intoArray(c, row + VLEN);
    }

    /**
     * {@link #tile} with A read in place from a row-major matrix: row {@code i}, step {@code p} at
     * {@code a[aBase + i*lda + p]}. Same sums in the same order, so the results are identical.
     */
    static void tileRowMajorA(float[] a, int aBase, int lda, float[] bp, int bBase, int kc,
            float[] c, int cBase, int ldc, boolean load, float[] bias, int biasOff) {
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
        if (load) {
            c00 = FloatVector.fromArray(SPECIES, c, cBase + 0 * ldc);
            c01 = FloatVector.fromArray(SPECIES, c, cBase + 0 * ldc + VLEN);
            c10 = FloatVector.fromArray(SPECIES, c, cBase + 1 * ldc);
            c11 = FloatVector.fromArray(SPECIES, c, cBase + 1 * ldc + VLEN);
            c20 = FloatVector.fromArray(SPECIES, c, cBase + 2 * ldc);
            c21 = FloatVector.fromArray(SPECIES, c, cBase + 2 * ldc + VLEN);
            c30 = FloatVector.fromArray(SPECIES, c, cBase + 3 * ldc);
            c31 = FloatVector.fromArray(SPECIES, c, cBase + 3 * ldc + VLEN);
            c40 = FloatVector.fromArray(SPECIES, c, cBase + 4 * ldc);
            c41 = FloatVector.fromArray(SPECIES, c, cBase + 4 * ldc + VLEN);
            c50 = FloatVector.fromArray(SPECIES, c, cBase + 5 * ldc);
            c51 = FloatVector.fromArray(SPECIES, c, cBase + 5 * ldc + VLEN);
            c60 = FloatVector.fromArray(SPECIES, c, cBase + 6 * ldc);
            c61 = FloatVector.fromArray(SPECIES, c, cBase + 6 * ldc + VLEN);
            c70 = FloatVector.fromArray(SPECIES, c, cBase + 7 * ldc);
            c71 = FloatVector.fromArray(SPECIES, c, cBase + 7 * ldc + VLEN);
        } else if (bias != null) {
            FloatVector s0 = FloatVector.fromArray(SPECIES, bias, biasOff);
            FloatVector s1 = FloatVector.fromArray(SPECIES, bias, biasOff + VLEN);
            c00 = s0; c01 = s1; c10 = s0; c11 = s1; c20 = s0; c21 = s1; c30 = s0; c31 = s1;
            c40 = s0; c41 = s1; c50 = s0; c51 = s1; c60 = s0; c61 = s1; c70 = s0; c71 = s1;
        }
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
        c00.intoArray(c, row); c01.intoArray(c, row + VLEN);
        row += ldc;
        c10.intoArray(c, row); c11.intoArray(c, row + VLEN);
        row += ldc;
        c20.intoArray(c, row); c21.intoArray(c, row + VLEN);
        row += ldc;
        c30.intoArray(c, row); c31.intoArray(c, row + VLEN);
        row += ldc;
        c40.intoArray(c, row); c41.intoArray(c, row + VLEN);
        row += ldc;
        c50.intoArray(c, row); c51.intoArray(c, row + VLEN);
        row += ldc;
        c60.intoArray(c, row); c61.intoArray(c, row + VLEN);
        row += ldc;
        c70.intoArray(c, row); c71.intoArray(c, row + VLEN);
    }
}
