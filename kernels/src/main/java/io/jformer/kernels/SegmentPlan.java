package io.jformer.kernels;

import java.util.Arrays;

/**
 * Groups source positions by target index with a stable counting sort, for deterministic scatter-adds: one
 * segment per distinct target, positions in ascending order within it, so each output element is summed by
 * one thread in index order (the CPU's order) without atomics. Pure host arithmetic, tested without a GPU.
 *
 * @param segStart {@code nSeg + 1} boundaries into {@code pos}
 * @param pos      source positions, grouped by target
 * @param target   the target index of each segment
 */
record SegmentPlan(int[] segStart, int[] pos, int[] target) {

    int segments() {
        return target.length;
    }

    /** Plans the scatter of {@code idx.length} sources into {@code size} targets (indices already validated). */
    static SegmentPlan of(long[] idx, int size) {
        int[] count = new int[size];
        for (long i : idx) {
            count[(int) i]++;
        }
        int distinct = 0;
        for (int c : count) {
            if (c > 0) {
                distinct++;
            }
        }
        int[] target = new int[distinct];
        int[] segStart = new int[distinct + 1];
        int[] slot = new int[size];
        int s = 0;
        int acc = 0;
        for (int t = 0; t < size; t++) {
            if (count[t] > 0) {
                target[s] = t;
                segStart[s] = acc;
                slot[t] = acc;
                acc += count[t];
                s++;
            }
        }
        segStart[distinct] = acc;
        int[] pos = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            pos[slot[(int) idx[i]]++] = i;
        }
        return new SegmentPlan(segStart, pos, target);
    }

    @Override
    public String toString() {
        return "SegmentPlan[segStart=" + Arrays.toString(segStart) + ", pos=" + Arrays.toString(pos) + ", target="
                + Arrays.toString(target) + "]";
    }
}
