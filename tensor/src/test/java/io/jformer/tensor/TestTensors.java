package io.jformer.tensor;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Shared test helpers: random values, tensors with the same logical values laid out in different ways, and the
 * index arithmetic the double-precision references need. Nothing here calls a kernel to produce an expected
 * value; layouts are built from plain arrays with {@link Tensor}'s view constructors only.
 */
final class TestTensors {

    private TestTensors() {
    }

    /** How the logical (row-major) values of a test tensor are stored. */
    enum Layout {
        /** Row-major, offset 0. */
        CONTIGUOUS,
        /** Stored with the dimensions reversed and permuted back: every stride is "wrong way round". */
        TRANSPOSED,
        /**
         * Every dimension stored with step 2 at an offset, inside NaN padding: a kernel that reads a gap gets
         * NaN, which no tolerance accepts.
         */
        STRIDED,
        /**
         * Contiguous, but starting at a non-zero storage offset with NaN before and after: catches kernels that
         * assume a contiguous tensor starts at element 0.
         */
        OFFSET
    }

    static float[] uniform(Random r, int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return v;
    }

    static float[] gaussian(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * r.nextGaussian());
        }
        return v;
    }

    static int numel(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** A tensor whose elements in row-major order are {@code values}, stored as {@code layout} says. */
    static Tensor layout(float[] values, int[] shape, Layout layout) {
        int rank = shape.length;
        switch (layout) {
            case CONTIGUOUS:
                return Tensor.of(values, shape);
            case TRANSPOSED: {
                int[] rev = new int[rank];
                int[] order = new int[rank];
                for (int i = 0; i < rank; i++) {
                    rev[i] = shape[rank - 1 - i];
                    order[i] = rank - 1 - i;
                }
                float[] stored = new float[values.length];
                int[] revStrides = Shape.of(rev).contiguousStrides();
                for (int flat = 0; flat < values.length; flat++) {
                    int[] idx = unravel(flat, shape);
                    int pos = 0;
                    for (int i = 0; i < rank; i++) {
                        pos += idx[i] * revStrides[rank - 1 - i];
                    }
                    stored[pos] = values[flat];
                }
                return Tensor.of(stored, rev).permute(order);
            }
            case STRIDED: {
                int[] big = new int[rank];
                for (int i = 0; i < rank; i++) {
                    big[i] = 2 * shape[i] + 1;
                }
                int[] bigStrides = Shape.of(big).contiguousStrides();
                float[] stored = new float[numel(big)];
                Arrays.fill(stored, Float.NaN);
                for (int flat = 0; flat < values.length; flat++) {
                    int[] idx = unravel(flat, shape);
                    int pos = 0;
                    for (int i = 0; i < rank; i++) {
                        pos += (1 + 2 * idx[i]) * bigStrides[i];
                    }
                    stored[pos] = values[flat];
                }
                Tensor t = Tensor.of(stored, big);
                for (int i = 0; i < rank; i++) {
                    t = t.slice(i, 1, 2 * shape[i] + 1, 2);
                }
                return t;
            }
            case OFFSET: {
                int pad = 5;
                float[] stored = new float[values.length + 2 * pad];
                Arrays.fill(stored, Float.NaN);
                System.arraycopy(values, 0, stored, pad, values.length);
                return Tensor.of(stored, stored.length).narrow(0, pad, values.length).reshape(shape);
            }
            default:
                throw new AssertionError(layout);
        }
    }

    /** The multi-index of row-major position {@code flat} in {@code shape}. */
    static int[] unravel(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int i = shape.length - 1; i >= 0; i--) {
            idx[i] = flat % shape[i];
            flat /= shape[i];
        }
        return idx;
    }

    /** Row-major position in {@code shape} of {@code idx}. */
    static int ravel(int[] idx, int[] shape) {
        int pos = 0;
        for (int i = 0; i < shape.length; i++) {
            pos = pos * shape[i] + idx[i];
        }
        return pos;
    }

    /**
     * The row-major position in {@code in} read for output multi-index {@code outIdx} under NumPy broadcasting
     * (trailing dimensions aligned; size-1 dimensions read index 0).
     */
    static int broadcastSource(int[] outIdx, int[] in) {
        int lead = outIdx.length - in.length;
        int pos = 0;
        for (int i = 0; i < in.length; i++) {
            pos = pos * in[i] + (in[i] == 1 ? 0 : outIdx[lead + i]);
        }
        return pos;
    }

    /** NumPy broadcast of two shapes, written out here so the reference does not use {@link Shape#broadcast}. */
    static int[] broadcastShape(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new AssertionError("test bug: " + Arrays.toString(a) + " and " + Arrays.toString(b));
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    static void assertShape(Tensor t, int... expected) {
        if (!Arrays.equals(t.shape().toArray(), expected)) {
            fail("expected shape " + Arrays.toString(expected) + " but got " + t.shape());
        }
    }

    /** Bitwise equality of float arrays (NaN equal to NaN, -0 distinct from +0), naming the first difference. */
    static void assertBitsEqual(float[] expected, float[] actual, String what) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected exactly " + expected[i]);
            }
        }
    }

    /** A per-element tolerance: allowed |actual - expected| for element {@code i}. */
    @FunctionalInterface
    interface Tolerance {
        double at(int i);
    }

    /**
     * {@code |actual[i] - expected[i]| <= tol.at(i)} for every element; NaN must match NaN and infinities must
     * match exactly. Fails naming the element, both values and the tolerance.
     */
    static void assertClose(double[] expected, float[] actual, Tolerance tol, String what) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            float a = actual[i];
            if (Double.isNaN(e) || Double.isInfinite(e)) {
                if (!(Double.isNaN(e) ? Float.isNaN(a) : a == e)) {
                    fail(what + ": element " + i + " is " + a + ", expected " + e);
                }
                continue;
            }
            double err = Math.abs(a - e);
            double t = tol.at(i);
            if (!(err <= t)) { // also fails on NaN
                fail(what + ": element " + i + " is " + a + ", expected " + e + " (error " + err + " > tolerance "
                        + t + ")");
            }
        }
    }

    /** {@link #assertClose} with {@code tol = rel * |expected| + abs}. */
    static void assertClose(double[] expected, float[] actual, double rel, double abs, String what) {
        assertClose(expected, actual, i -> rel * Math.abs(expected[i]) + abs, what);
    }
}
