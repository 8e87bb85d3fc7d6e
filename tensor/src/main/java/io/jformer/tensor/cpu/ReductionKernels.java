package io.jformer.tensor.cpu;

import io.jformer.tensor.ReduceOp;
import jdk.incubator.vector.FloatVector;

import static io.jformer.tensor.cpu.VectorMath.LANES;
import static io.jformer.tensor.cpu.VectorMath.SPECIES;

/** Reductions of contiguous rows, and of the leading dimension of a contiguous matrix (column sums). */
final class ReductionKernels {

    private ReductionKernels() {
    }

    /** {@code out[r] = op(x[r*len : (r+1)*len])} for {@code rows} rows. */
    static void rows(WorkerPool pool, ReduceOp op, float[] x, int xOff, int rows, int len, float[] out) {
        pool.parallelFor(rows, Math.max(1, 4096 / Math.max(1, len)), (start, end) -> {
            for (int r = start; r < end; r++) {
                int o = xOff + r * len;
                out[r] = switch (op) {
                    case SUM -> VectorMath.sum(x, o, len);
                    case MEAN -> VectorMath.sum(x, o, len) / len;
                    case MAX -> len == 0 ? Float.NEGATIVE_INFINITY : maxWithNaN(x, o, len);
                    case MIN -> len == 0 ? Float.POSITIVE_INFINITY : minWithNaN(x, o, len);
                };
            }
        });
    }

    /**
     * Reduces a contiguous {@code [len, cols]} block over its first dimension: {@code out[c] = op_l x[l*cols + c]}.
     * Threads split the columns, so every output is summed in the same order whatever the thread count.
     */
    static void columns(WorkerPool pool, ReduceOp op, float[] x, int xOff, int len, int cols, float[] out) {
        pool.parallelFor(cols, 256, (start, end) -> {
            int width = end - start;
            switch (op) {
                case SUM, MEAN -> {
                    java.util.Arrays.fill(out, start, end, 0f);
                    addRows(x, xOff + start, cols, len, out, start, width);
                    if (op == ReduceOp.MEAN) {
                        VectorMath.scale(out, start, 1f / len, out, start, width);
                    }
                }
                case MAX, MIN -> {
                    boolean isMax = op == ReduceOp.MAX;
                    float init = isMax ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
                    java.util.Arrays.fill(out, start, end, init);
                    for (int l = 0; l < len; l++) {
                        int row = xOff + l * cols + start;
                        for (int c = 0; c < width; c++) {
                            float v = x[row + c];
                            out[start + c] = isMax ? max(out[start + c], v) : min(out[start + c], v);
                        }
                    }
                }
            }
        });
    }

    /**
     * {@code out[o + c] += x[xo + l*stride + c]} for rows {@code l = 0 .. rows-1} in order: each column's sum is
     * the rows added one after another, as adding row by row gives it, bit for bit. Four rows go through the
     * registers per load and store of {@code out}: a linear layer's bias gradient (its output gradient summed
     * over 2,048 rows) made one load and one store of {@code out} for every row's load before.
     */
    static void addRows(float[] x, int xo, int stride, int rows, float[] out, int o, int width) {
        int full = SPECIES.loopBound(width);
        int l = 0;
        for (; l + 4 <= rows; l += 4) {
            int r0 = xo + l * stride;
            int r1 = r0 + stride;
            int r2 = r1 + stride;
            int r3 = r2 + stride;
            int c = 0;
            for (; c < full; c += LANES) {
                FloatVector.fromArray(SPECIES, out, o + c)
                        .add(FloatVector.fromArray(SPECIES, x, r0 + c))
                        .add(FloatVector.fromArray(SPECIES, x, r1 + c))
                        .add(FloatVector.fromArray(SPECIES, x, r2 + c))
                        .add(FloatVector.fromArray(SPECIES, x, r3 + c))
                        .intoArray(out, o + c);
            }
            for (; c < width; c++) {
                out[o + c] = out[o + c] + x[r0 + c] + x[r1 + c] + x[r2 + c] + x[r3 + c];
            }
        }
        for (; l < rows; l++) {
            VectorMath.addInPlace(out, o, x, xo + l * stride, width);
        }
    }

    private static float maxWithNaN(float[] x, int o, int len) {
        float m = VectorMath.max(x, o, len);
        return Float.isNaN(m) || !hasNaN(x, o, len) ? m : Float.NaN;
    }

    private static float minWithNaN(float[] x, int o, int len) {
        float m = Float.POSITIVE_INFINITY;
        for (int i = 0; i < len; i++) {
            m = min(m, x[o + i]);
        }
        return m;
    }

    private static boolean hasNaN(float[] x, int o, int len) {
        for (int i = 0; i < len; i++) {
            if (Float.isNaN(x[o + i])) {
                return true;
            }
        }
        return false;
    }

    private static float max(float a, float b) {
        return Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.max(a, b);
    }

    private static float min(float a, float b) {
        return Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.min(a, b);
    }

    /** Index of the first maximum of each row (NaN counts as the maximum, as in PyTorch). */
    static void argmaxRows(WorkerPool pool, float[] x, int xOff, int rows, int len, long[] out) {
        pool.parallelFor(rows, Math.max(1, 4096 / Math.max(1, len)), (start, end) -> {
            for (int r = start; r < end; r++) {
                int o = xOff + r * len;
                int best = 0;
                float bestValue = x[o];
                for (int i = 1; i < len && !Float.isNaN(bestValue); i++) {
                    float v = x[o + i];
                    if (v > bestValue || Float.isNaN(v)) {
                        best = i;
                        bestValue = v;
                    }
                }
                out[r] = best;
            }
        });
    }
}
