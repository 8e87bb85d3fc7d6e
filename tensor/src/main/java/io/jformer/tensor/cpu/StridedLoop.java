package io.jformer.tensor.cpu;

import io.jformer.tensor.Shape;

/**
 * Walks several strided views of one shape together, row by row: the innermost dimension is the row,
 * the others are visited in row-major order. Adjacent dimensions that every operand stores contiguously
 * are merged first, so a plain contiguous op is a single long row and a bias add is rows of the bias
 * length. Rows are split statically across the worker pool.
 */
final class StridedLoop {

    /** Handles one row: for each operand, its first element's offset; the row length; each operand's stride along the row. */
    @FunctionalInterface
    interface RowBody {
        void row(int[] offsets, int length, int[] rowStrides);
    }

    private final int[] dims;
    private final int[][] strides;
    private final int[] baseOffsets;
    private final boolean keepRows;

    /**
     * @param shape   the common (broadcast) shape
     * @param strides per operand, strides in {@code shape} (0 for broadcast dimensions)
     * @param offsets per operand, the offset of element 0
     */
    StridedLoop(Shape shape, int[][] strides, int[] offsets) {
        this(shape, strides, offsets, false);
    }

    /**
     * As above; with {@code keepRows} the innermost dimension stays a row of its own (never merged, never
     * dropped), for kernels such as softmax that need whole rows.
     */
    StridedLoop(Shape shape, int[][] strides, int[] offsets, boolean keepRows) {
        this.baseOffsets = offsets.clone();
        this.keepRows = keepRows;
        int rank = shape.rank();
        int[] d = new int[Math.max(1, rank)];
        int[][] s = new int[strides.length][Math.max(1, rank)];
        int n = 0;
        if (rank == 0) {
            d[0] = 1;
            n = 1;
        }
        for (int i = 0; i < rank; i++) {
            int size = shape.dim(i);
            boolean last = i == rank - 1;
            if (size == 1 && rank > 1 && !(keepRows && last)) {
                continue; // size-1 dimensions contribute nothing to addressing
            }
            if (n > 0 && !(keepRows && last) && mergeable(strides, s, n - 1, i, size)) {
                d[n - 1] *= size;
                for (int k = 0; k < strides.length; k++) {
                    s[k][n - 1] = strides[k][i];
                }
                continue;
            }
            d[n] = size;
            for (int k = 0; k < strides.length; k++) {
                s[k][n] = strides[k][i];
            }
            n++;
        }
        if (n == 0) {
            d[0] = 1;
            n = 1;
        }
        this.dims = java.util.Arrays.copyOf(d, n);
        this.strides = new int[strides.length][];
        for (int k = 0; k < strides.length; k++) {
            this.strides[k] = java.util.Arrays.copyOf(s[k], n);
        }
    }

    /** Dimension {@code i} folds into the previous merged one when every operand steps through the pair as one run. */
    private static boolean mergeable(int[][] orig, int[][] merged, int prev, int i, int size) {
        for (int k = 0; k < orig.length; k++) {
            if (merged[k][prev] != orig[k][i] * size) {
                return false;
            }
        }
        return true;
    }

    int rowLength() {
        return dims[dims.length - 1];
    }

    int rowCount() {
        int n = 1;
        for (int i = 0; i < dims.length - 1; i++) {
            n *= dims[i];
        }
        return n;
    }

    /** Runs {@code body} on every row, in parallel over rows (or over pieces of a single long row). */
    void run(WorkerPool pool, RowBody body) {
        int rows = rowCount();
        int len = rowLength();
        if (rows == 0 || len == 0) {
            return; // an empty tensor: no row to visit (and no element a broadcast operand could be read at)
        }
        int ops = strides.length;
        int[] rowStrides = new int[ops];
        for (int k = 0; k < ops; k++) {
            rowStrides[k] = strides[k][dims.length - 1];
        }
        if (rows == 1 && !keepRows) {
            // One long row: split it so both cores work on a large contiguous op.
            pool.parallelFor(len, 1 << 14, (start, end) -> {
                int[] off = new int[ops];
                for (int k = 0; k < ops; k++) {
                    off[k] = baseOffsets[k] + start * rowStrides[k];
                }
                body.row(off, end - start, rowStrides);
            });
            return;
        }
        int grain = Math.max(1, (1 << 14) / Math.max(1, len));
        pool.parallelFor(rows, grain, (start, end) -> {
            int outer = dims.length - 1;
            int[] idx = new int[outer];
            int[] off = new int[ops];
            int rem = start;
            for (int i = outer - 1; i >= 0; i--) {
                idx[i] = rem % dims[i];
                rem /= dims[i];
            }
            for (int k = 0; k < ops; k++) {
                int o = baseOffsets[k];
                for (int i = 0; i < outer; i++) {
                    o += idx[i] * strides[k][i];
                }
                off[k] = o;
            }
            for (int r = start; r < end; r++) {
                body.row(off, len, rowStrides);
                for (int i = outer - 1; i >= 0; i--) {
                    idx[i]++;
                    for (int k = 0; k < ops; k++) {
                        off[k] += strides[k][i];
                    }
                    if (idx[i] < dims[i]) {
                        break;
                    }
                    for (int k = 0; k < ops; k++) {
                        off[k] -= strides[k][i] * dims[i];
                    }
                    idx[i] = 0;
                }
            }
        });
    }
}
