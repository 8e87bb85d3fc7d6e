package io.jformer.tensor.cpu;

import io.jformer.tensor.Backend;
import io.jformer.tensor.Device;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vectorised Bernoulli kernels against the scalar definition {@link Generator#bernoulliBits}, and the
 * definition's own statistics (the rates are in GeneratorTest).
 */
class BernoulliFillTest {

    /**
     * Every draw as the definition gives it, for counters that cross a 2³² segment boundary inside a run and
     * lengths that leave a partial vector, probabilities on the 2⁻²⁴ grid included (the comparison is strict).
     */
    @Test
    void vectorFillMatchesTheScalarDefinition() {
        long[] seeds = {0, 42, -7, Long.MAX_VALUE};
        long[] counters = {0, 5, (1L << 32) - 1000, (1L << 40) - 3, Long.MAX_VALUE - 100_000};
        double[] ps = {0, 1e-9, 3 * 0x1p-24, 0.1, 0.3, 0.5, 0.9, 1 - 0x1p-24, 1};
        int len = 5003;
        for (long seed : seeds) {
            for (long counter : counters) {
                for (double p : ps) {
                    float[] out = new float[len + 2];
                    out[0] = Float.NaN;
                    out[out.length - 1] = Float.NaN;
                    CpuBackend.bernoulli(out, 1, len, seed, counter, p);
                    int threshold = Generator.bernoulliThreshold(p);
                    for (int i = 0; i < len; i++) {
                        float expected = Generator.bernoulliBits(seed, counter + i) < threshold ? 1f : 0f;
                        assertEquals(expected, out[1 + i], "seed " + seed + ", counter " + counter + ", p " + p
                                + ", element " + i);
                    }
                    assertEquals(Float.NaN, out[0], "wrote before the range");
                    assertEquals(Float.NaN, out[out.length - 1], "wrote after the range");
                }
            }
        }
    }

    /**
     * The threshold is the exact probability on the 2⁻²⁴ grid: {@code k/2²⁴} keeps exactly the draws below k,
     * which the brute-force count over a full range of 2²⁴ low values of one segment would show; here, the
     * boundary cases that an off-by-one would flip.
     */
    @Test
    void thresholdIsTheProbabilityRoundedUpOnTheGrid() {
        assertEquals(0, Generator.bernoulliThreshold(0));
        assertEquals(1, Generator.bernoulliThreshold(1e-12));
        assertEquals(3, Generator.bernoulliThreshold(3 * 0x1p-24));
        assertEquals(1 << 24, Generator.bernoulliThreshold(1));
        assertEquals((1 << 24) - 1, Generator.bernoulliThreshold(1 - 0x1p-24));
    }

    /**
     * Independence, which a weak hash of consecutive counters would lose: over 2²¹ consecutive draws at p = ½,
     * the 16 patterns of four neighbours are equally frequent (chi-square, 15 degrees of freedom: 99.99th
     * percentile 44.3), and the draws of two neighbouring dropout layers (counters one tensor apart) agree
     * half the time (±5 standard deviations). Every bit of the 24 is fair (±5 sd).
     */
    @Test
    void drawsAreIndependentAndBitsAreFair() {
        int n = 1 << 21;
        long seed = 1234;
        int[] patterns = new int[16];
        int window = 0;
        int[] bitOnes = new int[24];
        int agree = 0;
        for (int i = 0; i < n; i++) {
            int draw = Generator.bernoulliBits(seed, i);
            window = ((window << 1) | (draw >>> 23)) & 15;
            if (i >= 3) {
                patterns[window]++;
            }
            for (int b = 0; b < 24; b++) {
                bitOnes[b] += (draw >>> b) & 1;
            }
            int other = Generator.bernoulliBits(seed, i + n);
            agree += ((draw >>> 23) == (other >>> 23)) ? 1 : 0;
        }
        double expected = (n - 3) / 16.0;
        double chi2 = 0;
        for (int c : patterns) {
            chi2 += (c - expected) * (c - expected) / expected;
        }
        assertTrue(chi2 < 44.3, "neighbour patterns chi-square " + chi2);
        double sd = Math.sqrt(n * 0.25);
        assertEquals(n / 2.0, agree, 5 * sd, "agreement between two layers' masks");
        for (int b = 0; b < 24; b++) {
            assertEquals(n / 2.0, bitOnes[b], 5 * sd, "bit " + b);
        }
    }

    /** The fused dropout equals the op set's default (stored mask, then two products), bit for bit. */
    @Test
    void fusedDropoutMatchesTheStoredMaskDefault() {
        Tensor x = Tensor.random(io.jformer.tensor.Distribution.NORMAL, 0, 1, new Generator(3), Shape.of(37, 131),
                Device.CPU);
        Tensor strided = x.transpose(0, 1); // a non-contiguous input
        Backend cpu = x.backend();
        for (double p : new double[]{0, 0.1, 0.5, 0.9}) {
            for (Tensor in : new Tensor[]{x, strided}) {
                float[] fused = cpu.dropout(in, p, 77, (1L << 32) - 2000).toFloatArray();
                Tensor keep = Tensor.random(io.jformer.tensor.Distribution.BERNOULLI, 1 - p, 0, 77,
                        (1L << 32) - 2000, in.shape(), Device.CPU);
                float[] stored = in.mul(keep.mul(1 / (1 - p))).toFloatArray(); // what Backend's default does
                for (int i = 0; i < fused.length; i++) {
                    assertEquals(Float.floatToRawIntBits(stored[i]), Float.floatToRawIntBits(fused[i]),
                            "p " + p + ", element " + i);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> x.dropout(1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> x.dropout(-0.1, 1, 0));
    }
}
