package io.jformer.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised loops over contiguous float runs, shared by the CPU kernels. Each sum keeps one accumulator
 * per lane and folds them in a fixed order, so results are deterministic (though not identical to a
 * serial left-to-right sum).
 */
final class VectorMath {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();

    private VectorMath() {
    }

    /**
     * The lanes of {@code v} added left to right. {@code reduceLanes(ADD)} leaves the order to the
     * implementation, and the interpreter and C2 pick different ones: a sum would then depend on JIT timing.
     */
    static float sumLanes(FloatVector v) {
        // A fixed tree: add the upper half onto the lower, then the upper quarter, ... down to lane 0. Every
        // step is a lanewise IEEE add, so the interpreter and C2 agree; storing the lanes to an array and
        // summing them was the same order-safety for twice the cost (the array was allocated on every call).
        FloatVector s = v;
        for (VectorShuffle<Float> fold : FOLDS) {
            s = s.add(s.rearrange(fold));
        }
        return s.lane(0);
    }

    /** Shuffles that bring lanes [w/2, w) down to [0, w/2), for w = LANES, LANES/2, ..., 2. */
    private static final VectorShuffle<Float>[] FOLDS = folds();

    @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array is created raw
    private static VectorShuffle<Float>[] folds() {
        int steps = Integer.numberOfTrailingZeros(LANES);
        VectorShuffle<Float>[] out = new VectorShuffle[steps];
        for (int k = 0, w = LANES; k < steps; k++, w /= 2) {
            int[] idx = new int[LANES];
            for (int i = 0; i < LANES; i++) {
                idx[i] = (i + w / 2) % LANES;
            }
            out[k] = VectorShuffle.fromArray(SPECIES, idx, 0);
        }
        return out;
    }

    static float sum(float[] a, int off, int len) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = 0;
        for (int upper = SPECIES.loopBound(len); i < upper; i += LANES) {
            acc = acc.add(FloatVector.fromArray(SPECIES, a, off + i));
        }
        float s = sumLanes(acc);
        for (; i < len; i++) {
            s += a[off + i];
        }
        return s;
    }

    static float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = 0;
        for (int upper = SPECIES.loopBound(len); i < upper; i += LANES) {
            acc = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), acc);
        }
        float s = sumLanes(acc);
        for (; i < len; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    static float max(float[] a, int off, int len) {
        FloatVector acc = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int upper = SPECIES.loopBound(len); i < upper; i += LANES) {
            acc = acc.max(FloatVector.fromArray(SPECIES, a, off + i));
        }
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < len; i++) {
            m = Math.max(m, a[off + i]);
        }
        return m;
    }

    /** {@code dst[i] += src[i]}. */
    static void addInPlace(float[] dst, int dOff, float[] src, int sOff, int len) {
        int i = 0;
        for (int upper = SPECIES.loopBound(len); i < upper; i += LANES) {
            FloatVector.fromArray(SPECIES, dst, dOff + i).add(FloatVector.fromArray(SPECIES, src, sOff + i))
                    .intoArray(dst, dOff + i);
        }
        for (; i < len; i++) {
            dst[dOff + i] += src[sOff + i];
        }
    }

    /** {@code dst[i] = src[i] * s}. */
    static void scale(float[] src, int sOff, float s, float[] dst, int dOff, int len) {
        int i = 0;
        for (int upper = SPECIES.loopBound(len); i < upper; i += LANES) {
            FloatVector.fromArray(SPECIES, src, sOff + i).mul(s).intoArray(dst, dOff + i);
        }
        for (; i < len; i++) {
            dst[dOff + i] = src[sOff + i] * s;
        }
    }
}
