package io.jformer.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Grouping of scatter-add sources by target: stable, so sums run in index order like the CPU's. */
class SegmentPlanTest {

    @Test
    void repeatedIdsFormOneSegmentInAscendingPositionOrder() {
        SegmentPlan p = SegmentPlan.of(new long[]{3, 0, 3, 5, 0, 3}, 7);
        assertArrayEquals(new int[]{0, 3, 5}, p.target());
        assertArrayEquals(new int[]{0, 2, 5, 6}, p.segStart());
        assertArrayEquals(new int[]{1, 4, 0, 2, 5, 3}, p.pos());
    }

    @Test
    void emptyIndexGivesNoSegments() {
        SegmentPlan p = SegmentPlan.of(new long[0], 4);
        assertArrayEquals(new int[0], p.target());
        assertArrayEquals(new int[]{0}, p.segStart());
    }
}
