package io.jformer.train.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ClassificationMetricsTest {

    @Test
    void countsFromTwoBatchesGiveTheTextbookFigures() {
        ClassificationMetrics m = new ClassificationMetrics(2);
        // gold:      1 1 1 1 0 0 0 | 1 0 0
        // predicted: 1 1 1 0 1 0 0 | 0 0 1   → TP 3, FN 2, FP 2, TN 3
        m.add(new long[]{1, 1, 1, 1, 0, 0, 0}, new long[]{1, 1, 1, 0, 1, 0, 0}, 3.5);
        m.add(new long[]{1, 0, 0}, new long[]{0, 0, 1}, 1.5);
        assertEquals(10, m.count());
        assertEquals(0.6, m.accuracy(), 1e-12);
        assertEquals(3.0 / 5, m.precision(), 1e-12);
        assertEquals(3.0 / 5, m.recall(), 1e-12);
        assertEquals(0.6, m.f1(), 1e-12);
        assertEquals(0.5, m.loss(), 1e-12);
        assertArrayEquals(new long[][]{{3, 2}, {2, 3}}, m.confusion());
    }

    @Test
    void noPositivePredictionsGiveZeroNotNaN() {
        ClassificationMetrics m = new ClassificationMetrics(2);
        m.add(new long[]{1, 0}, new long[]{0, 0}, 0);
        assertEquals(0, m.precision());
        assertEquals(0, m.f1());
        assertEquals(0.5, m.accuracy(), 1e-12);
    }
}
