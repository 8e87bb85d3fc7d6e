package io.jformer.tensor.cpu;

import io.jformer.tensor.Generator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The CPU Bernoulli fill compares integers; the definition (and the GPU kernel) compares
 * {@code Generator.uniform(seed, index) < p}. They must agree on every draw, including probabilities on the
 * 2⁻²⁴ grid, where {@code k < p·2²⁴} has to stay strict.
 */
class BernoulliFillTest {

    @Test
    void integerComparisonMatchesTheUniformDefinition() {
        long[] seeds = {0, 42, -7, Long.MAX_VALUE};
        long[] counters = {0, 5, (1L << 40) - 3, Long.MAX_VALUE - 100_000};
        double[] ps = {0, 1e-9, 3 * 0x1p-24, 0.1, 0.3, 0.5, 0.9, 1 - 0x1p-24, 1};
        for (long seed : seeds) {
            for (long counter : counters) {
                for (double p : ps) {
                    float[] out = new float[5000 + 2];
                    out[0] = Float.NaN;
                    out[out.length - 1] = Float.NaN;
                    CpuBackend.bernoulli(out, 1, 5000, seed, counter, p);
                    for (int i = 0; i < 5000; i++) {
                        float expected = Generator.uniform(seed, counter + i) < p ? 1f : 0f;
                        assertEquals(expected, out[1 + i], "seed " + seed + ", counter " + counter + ", p " + p
                                + ", element " + i);
                    }
                    assertEquals(Float.NaN, out[0], "wrote before the range");
                    assertEquals(Float.NaN, out[out.length - 1], "wrote after the range");
                }
            }
        }
    }
}
