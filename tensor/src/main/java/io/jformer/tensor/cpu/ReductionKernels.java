package io.jformer.tensor.cpu;

import io.jformer.tensor.ReduceOp;

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
            float init = switch (op) {
                case SUM, MEAN -> 0f;
                case MAX -> Float.NEGATIVE_INFINITY;
                case MIN -> Float.POSITIVE_INFINITY;
            };
            java.util.Arrays.fill(out, start, end, init);
            for (int l = 0; l < len; l++) {
                int row = xOff + l * cols + start;
                switch (op) {
                    case SUM, MEAN -> VectorMath.addInPlace(out, start, x, row, width);
                    case MAX -> {
                        for (int c = 0; c < width; c++) {
                            out[start + c] = max(out[start + c], x[row + c]);
                        }
                    }
                    case MIN -> {
                        for (int c = 0; c < width; c++) {
                            out[start + c] = min(out[start + c], x[row + c]);
                        }
                    }
                }
            }
            if (op == ReduceOp.MEAN) {
                VectorMath.scale(out, start, 1f / len, out, start, width);
            }
        });
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
