package io.jformer.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
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
     * The first {@link #LANES} floats of {@code lanes} (a vector's lanes, stored there by the caller) summed in a
     * fixed tree: the upper half added onto the lower, then the upper quarter, ... down to element 0.
     * {@code reduceLanes(ADD)} leaves the order to the implementation, and the interpreter and C2 pick different
     * ones: a sum would then depend on JIT timing.
     *
     * <p>The lanes come in an array, not as a vector, on purpose. C2 compiles a hot helper that takes a vector on
     * its own and may then refuse to inline it into a caller ("already compiled into a big method"): every vector
     * handed over is then boxed, and on JDK 17 the helper's own vector code fell back to boxing as well (softmax
     * and layer norm allocated gigabytes per second in some JVM runs). Storing the vector is one instruction.
     */
    static float sumLanes(float[] lanes) {
        // The tree written out for the common widths: the loop stores each level and reloads it, and per softmax
        // row that had cost a third as much as the exponentials (JFR, 2-thread MiniLM forward).
        if (LANES == 16) {
            return foldSixteen(lanes);
        }
        if (LANES == 8) {
            return foldEight(lanes);
        }
        return foldTree(lanes, LANES);
    }

    /** {@link #foldTree} of 16 lanes, written out. */
    static float foldSixteen(float[] t) {
        return foldSixteen(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7],
                t[8], t[9], t[10], t[11], t[12], t[13], t[14], t[15]);
    }

    /**
     * {@link #foldTree} of the 16 lanes given as values. A loop that ends in a sum passes {@code acc.lane(0..15)}
     * here: no vector crosses the call, and no scratch array is looked up per row (that thread-local lookup made
     * the softmax's backward pass 15% slower: 1.02 vs 0.87 ms in {@code KernelBenchmark.softmaxBackward}).
     */
    static float foldSixteen(float l0, float l1, float l2, float l3, float l4, float l5, float l6, float l7,
            float l8, float l9, float l10, float l11, float l12, float l13, float l14, float l15) {
        return (((l0 + l8) + (l4 + l12)) + ((l2 + l10) + (l6 + l14)))
                + (((l1 + l9) + (l5 + l13)) + ((l3 + l11) + (l7 + l15)));
    }

    /** {@link #foldTree} of 8 lanes, written out. */
    static float foldEight(float[] t) {
        return ((t[0] + t[4]) + (t[2] + t[6])) + ((t[1] + t[5]) + (t[3] + t[7]));
    }

    /** The fixed tree over {@code t[0, width)}, {@code width} a power of two; overwrites {@code t}. */
    static float foldTree(float[] t, int width) {
        for (int w = width; w > 1; w /= 2) {
            for (int i = 0; i < w / 2; i++) {
                t[i] += t[i + w / 2];
            }
        }
        return t[0];
    }

    private static final ThreadLocal<float[]> LANE_SCRATCH = ThreadLocal.withInitial(() -> new float[2 * LANES]);

    /** A scratch array of two vectors' length for the calling thread (see {@link #sumLanes}). */
    static float[] scratch() {
        return LANE_SCRATCH.get();
    }

    static float sum(float[] a, int off, int len) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = 0;
        for (int upper = SPECIES.loopBound(len); i < upper; i += LANES) {
            acc = acc.add(FloatVector.fromArray(SPECIES, a, off + i));
        }
        float s;
        if (LANES == 16) {
            s = foldSixteen(acc.lane(0), acc.lane(1), acc.lane(2), acc.lane(3), acc.lane(4), acc.lane(5),
                    acc.lane(6), acc.lane(7), acc.lane(8), acc.lane(9), acc.lane(10), acc.lane(11), acc.lane(12),
                    acc.lane(13), acc.lane(14), acc.lane(15));
        } else {
            float[] lanes = scratch();
            acc.intoArray(lanes, 0);
            s = sumLanes(lanes);
        }
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
        float s;
        if (LANES == 16) {
            s = foldSixteen(acc.lane(0), acc.lane(1), acc.lane(2), acc.lane(3), acc.lane(4), acc.lane(5),
                    acc.lane(6), acc.lane(7), acc.lane(8), acc.lane(9), acc.lane(10), acc.lane(11), acc.lane(12),
                    acc.lane(13), acc.lane(14), acc.lane(15));
        } else {
            float[] lanes = scratch();
            acc.intoArray(lanes, 0);
            s = sumLanes(lanes);
        }
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
