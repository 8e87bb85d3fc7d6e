package io.jformer.kernels;

import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;

import java.util.Arrays;

/**
 * Packs shapes and strides into the by-value structs the kernels take ({@code Layout4} and {@code RowLayout}
 * in {@code common.cuh}; keep the field order in step). Dimensions of size 1 are dropped and dimensions that
 * every operand stores contiguously are merged, so most launches see rank 1 or 2 and do few divisions.
 */
final class Layouts {

    static final int MAX_RANK = 8;
    /** Ints in a Layout4: rank, n, shape[8], stride[4][8], offset[4], dtype[4]. */
    static final int LAYOUT4_INTS = 2 + MAX_RANK + 4 * MAX_RANK + 4 + 4;
    /** Ints in a RowLayout: rank, shape[8], stride[3][8], rowStride[3], offset[3], dtype[3]. */
    static final int ROW_LAYOUT_INTS = 1 + MAX_RANK + 3 * MAX_RANK + 3 + 3 + 3;

    private Layouts() {
    }

    /** Strides of {@code t} broadcast to {@code shape} (right-aligned, 0 where broadcast). */
    static int[] broadcastStrides(Shape shape, Tensor t) {
        int lead = shape.rank() - t.rank();
        if (lead < 0) {
            throw new IllegalArgumentException("tensor of shape " + t.shape() + " cannot broadcast to " + shape);
        }
        int[] s = new int[shape.rank()];
        for (int i = 0; i < t.rank(); i++) {
            int size = t.size(i);
            if (size != 1 && size != shape.dim(lead + i)) {
                throw new IllegalArgumentException("tensor of shape " + t.shape() + " cannot broadcast to " + shape);
            }
            s[lead + i] = size == 1 ? 0 : t.stride(i);
        }
        return s;
    }

    /** Result of merging: the kept dimension sizes and each operand's strides for them. */
    record Merged(int[] dims, int[][] strides) {
    }

    /** Drops size-1 dimensions and merges adjacent dimensions that are contiguous for every operand. */
    static Merged merge(int[] dims, int[][] strides) {
        int ops = strides.length;
        int[] d = new int[dims.length];
        int[][] s = new int[ops][dims.length];
        int n = 0;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == 1) {
                continue;
            }
            boolean mergeable = n > 0;
            for (int k = 0; k < ops && mergeable; k++) {
                mergeable = s[k][n - 1] == (long) strides[k][i] * dims[i];
            }
            if (mergeable) {
                d[n - 1] *= dims[i];
                for (int k = 0; k < ops; k++) {
                    s[k][n - 1] = strides[k][i];
                }
            } else {
                d[n] = dims[i];
                for (int k = 0; k < ops; k++) {
                    s[k][n] = strides[k][i];
                }
                n++;
            }
        }
        int[][] out = new int[ops][];
        for (int k = 0; k < ops; k++) {
            out[k] = Arrays.copyOf(s[k], n);
        }
        return new Merged(Arrays.copyOf(d, n), out);
    }

    /**
     * A Layout4 for walking {@code operands} (operand 0 first, normally the output) over {@code shape}; the
     * unused operand slots are zero.
     */
    static int[] layout4(Shape shape, Tensor... operands) {
        if (operands.length > 4) {
            throw new IllegalArgumentException("at most 4 operands, got " + operands.length);
        }
        int[][] strides = new int[operands.length][];
        for (int k = 0; k < operands.length; k++) {
            strides[k] = broadcastStrides(shape, operands[k]);
        }
        Merged m = merge(shape.toArray(), strides);
        checkRank(m.dims().length, shape);
        int[] L = new int[LAYOUT4_INTS];
        L[0] = m.dims().length;
        L[1] = shape.numel();
        System.arraycopy(m.dims(), 0, L, 2, m.dims().length);
        for (int k = 0; k < operands.length; k++) {
            System.arraycopy(m.strides()[k], 0, L, 2 + MAX_RANK + k * MAX_RANK, m.dims().length);
            L[2 + 5 * MAX_RANK + k] = operands[k].offset();
            L[2 + 5 * MAX_RANK + 4 + k] = operands[k].dtype().ordinal();
        }
        return L;
    }

    /**
     * A RowLayout: the last dimension of {@code shape} is the row, the others pick the row. Operands are
     * broadcast to {@code shape}; null operands leave their slot zero.
     */
    static int[] rowLayout(Shape shape, Tensor... operands) {
        if (operands.length > 3) {
            throw new IllegalArgumentException("at most 3 operands, got " + operands.length);
        }
        int rank = shape.rank();
        int[] lead = Arrays.copyOf(shape.toArray(), Math.max(0, rank - 1));
        int[][] leadStrides = new int[operands.length][];
        int[] rowStride = new int[operands.length];
        for (int k = 0; k < operands.length; k++) {
            if (operands[k] == null) {
                leadStrides[k] = new int[lead.length];
                continue;
            }
            int[] s = broadcastStrides(shape, operands[k]);
            leadStrides[k] = Arrays.copyOf(s, lead.length);
            rowStride[k] = rank == 0 ? 0 : s[rank - 1];
        }
        Merged m = merge(lead, leadStrides);
        checkRank(m.dims().length, shape);
        int[] L = new int[ROW_LAYOUT_INTS];
        L[0] = m.dims().length;
        System.arraycopy(m.dims(), 0, L, 1, m.dims().length);
        for (int k = 0; k < operands.length; k++) {
            System.arraycopy(m.strides()[k], 0, L, 1 + MAX_RANK + k * MAX_RANK, m.dims().length);
            L[1 + 4 * MAX_RANK + k] = rowStride[k];
            if (operands[k] != null) {
                L[1 + 4 * MAX_RANK + 3 + k] = operands[k].offset();
                L[1 + 4 * MAX_RANK + 6 + k] = operands[k].dtype().ordinal();
            }
        }
        return L;
    }

    /** Sets operand {@code k}'s dtype code in a RowLayout (for outputs that are not tensors yet). */
    static void setRowDtype(int[] rowLayout, int k, int dtypeOrdinal) {
        rowLayout[1 + 4 * MAX_RANK + 6 + k] = dtypeOrdinal;
    }

    private static void checkRank(int rank, Shape shape) {
        if (rank > MAX_RANK) {
            throw new IllegalArgumentException("shape " + shape + " has " + rank + " non-mergeable dimensions;"
                    + " the CUDA kernels take at most " + MAX_RANK + " (make the tensor contiguous first)");
        }
    }
}
