package io.jformer.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static io.jformer.tensor.cpu.VectorMath.LANES;
import static io.jformer.tensor.cpu.VectorMath.SPECIES;

/** Row kernels for (log-)softmax with scale and additive mask, and their backward passes. */
final class SoftmaxKernels {

    private SoftmaxKernels() {
    }

    /**
     * One row: {@code out = softmax(scale*x + mask)} (or log-softmax). Operands: 0 output (contiguous), 1 x,
     * 2 mask (absent when {@code mask} is null).
     */
    static void forwardRow(float[] out, float[] x, float[] mask, double scale, boolean log, int[] off, int len,
                           int[] st) {
        int o = off[0];
        float s = (float) scale;
        int full = SPECIES.loopBound(len);
        int i = 0;
        // Pass 1: t = scale*x + mask into out, and its maximum. Multiply, then add (not fused), so the vector
        // lanes round exactly as the scalar tail does.
        FloatVector vmax = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        if (st[1] == 1 && (mask == null || st[2] == 1)) {
            for (; i < full; i += LANES) {
                FloatVector t = FloatVector.fromArray(SPECIES, x, off[1] + i).mul(s);
                if (mask != null) {
                    t = t.add(FloatVector.fromArray(SPECIES, mask, off[2] + i));
                }
                vmax = vmax.max(t);
                t.intoArray(out, o + i);
            }
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < len; i++) {
            float t = x[off[1] + i * st[1]] * s;
            t = mask == null ? t : t + mask[off[2] + i * st[2]];
            max = Math.max(max, t);
            out[o + i] = t;
        }
        if (max == Float.NEGATIVE_INFINITY) {
            // Every position masked out: a zero row (softmax) keeps padding from turning the batch into NaN.
            java.util.Arrays.fill(out, o, o + len, log ? Float.NEGATIVE_INFINITY : 0f);
            return;
        }
        // Pass 2: e = exp(t - max) and its sum, in VectorExp's own compiled loop (see there why it is not inlined
        // here). Log-softmax needs only the sum: its exponentials go to a scratch row.
        float sum = log ? VectorExp.expShiftedSum(out, o, max, EXPONENTIALS.atLeast(len), 0, len)
                : VectorExp.expShiftedSum(out, o, max, out, o, len);
        // Pass 3: normalise.
        if (log) {
            float shift = max + (float) Math.log(sum);
            for (i = 0; i < len; i++) {
                out[o + i] -= shift;
            }
        } else {
            VectorMath.scale(out, o, 1f / sum, out, o, len);
        }
    }

    /** Where log-softmax's exponentials go: only their sum is needed. */
    private static final ThreadScratch EXPONENTIALS = new ThreadScratch();

    /**
     * One row of the gradient with respect to x. Operands: 0 dx (contiguous), 1 y, 2 dy.
     * softmax: {@code dx = scale * y * (dy - <dy, y>)}; log-softmax: {@code dx = scale * (dy - exp(y) * sum(dy))}.
     */
    static void backwardRow(float[] dx, float[] y, float[] dy, double scale, boolean log, int[] off, int len,
                            int[] st) {
        int o = off[0];
        float s = (float) scale;
        if (log) {
            float sum = 0f;
            for (int i = 0; i < len; i++) {
                sum += dy[off[2] + i * st[2]];
            }
            for (int i = 0; i < len; i++) {
                dx[o + i] = s * (dy[off[2] + i * st[2]] - (float) Math.exp(y[off[1] + i * st[1]]) * sum);
            }
            return;
        }
        if (st[1] == 1 && st[2] == 1) {
            contiguousBackwardRow(dx, o, y, off[1], dy, off[2], s, len);
            return;
        }
        float dot = 0f;
        for (int i = 0; i < len; i++) {
            dot += dy[off[2] + i * st[2]] * y[off[1] + i * st[1]];
        }
        for (int i = 0; i < len; i++) {
            float yi = y[off[1] + i * st[1]];
            dx[o + i] = s * yi * (dy[off[2] + i * st[2]] - dot);
        }
    }

    /** The softmax backward row when y and dy are contiguous (attention's case), a vector at a time. */
    private static void contiguousBackwardRow(float[] dx, int o, float[] y, int yOff, float[] dy, int dyOff, float s,
                                              int len) {
        float dot = VectorMath.dot(dy, dyOff, y, yOff, len);
        FloatVector vs = FloatVector.broadcast(SPECIES, s);
        FloatVector vdot = FloatVector.broadcast(SPECIES, dot);
        int i = 0;
        for (int upper = SPECIES.loopBound(len); i < upper; i += LANES) {
            FloatVector yi = FloatVector.fromArray(SPECIES, y, yOff + i);
            vs.mul(yi).mul(FloatVector.fromArray(SPECIES, dy, dyOff + i).sub(vdot)).intoArray(dx, o + i);
        }
        for (; i < len; i++) {
            dx[o + i] = s * y[yOff + i] * (dy[dyOff + i] - dot);
        }
    }
}
