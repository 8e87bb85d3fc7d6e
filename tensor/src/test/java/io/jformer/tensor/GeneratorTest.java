package io.jformer.tensor;

import org.junit.jupiter.api.Test;

import static io.jformer.tensor.TestTensors.assertBitsEqual;
import static io.jformer.tensor.TestTensors.assertShape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The counter-based generator: reproducible from (seed, position), distinct across seeds and draws, and with
 * the right distributions. Statistical checks use 100,000 samples and allow 6 standard errors of the statistic
 * (a false alarm about once in 5·10⁸ runs for a normal statistic; the seeds are fixed, so a pass is permanent
 * and a failure means the distribution is wrong, not bad luck).
 */
class GeneratorTest {

    private static final int N = 100_000;
    private static final double Z = 6;

    private static int countEqual(float[] a, float[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            n += a[i] == b[i] ? 1 : 0;
        }
        return n;
    }

    @Test
    void sameSeedGivesTheSameTensor() {
        assertBitsEqual(Tensor.randn(new Generator(42), 3, 1000).toFloatArray(),
                Tensor.randn(new Generator(42), 3, 1000).toFloatArray(), "randn, seed 42");
        assertBitsEqual(Tensor.rand(new Generator(-7), 500).toFloatArray(),
                Tensor.rand(new Generator(-7), 500).toFloatArray(), "rand, seed -7");
        assertBitsEqual(Tensor.bernoulli(0.3, new Generator(0), 500).toFloatArray(),
                Tensor.bernoulli(0.3, new Generator(0), 500).toFloatArray(), "bernoulli, seed 0");
    }

    @Test
    void differentSeedsAndConsecutiveDrawsDiffer() {
        float[] a = Tensor.randn(new Generator(1), N).toFloatArray();
        float[] b = Tensor.randn(new Generator(2), N).toFloatArray();
        // two independent continuous streams agree on a float only by chance (≈ N·2⁻²⁰ expected coincidences)
        assertTrue(countEqual(a, b) < 20, "seeds 1 and 2 give nearly the same values");
        Generator g = new Generator(1);
        float[] first = Tensor.randn(g, N).toFloatArray();
        float[] second = Tensor.randn(g, N).toFloatArray();
        assertBitsEqual(a, first, "the first draw of seed 1");
        assertTrue(countEqual(first, second) < 20, "consecutive draws must not repeat the stream");
        assertEquals(2L * N, g.counter(), "each draw advances the counter by its size");
    }

    @Test
    void drawsAreAPureFunctionOfSeedAndPosition() {
        Generator g = new Generator(9);
        float[] whole = Tensor.rand(g, 1000).toFloatArray();
        Generator h = new Generator(9);
        float[] part1 = Tensor.rand(h, 300).toFloatArray();
        long saved = h.counter();
        float[] part2 = Tensor.rand(h, 700).toFloatArray();
        float[] joined = new float[1000];
        System.arraycopy(part1, 0, joined, 0, 300);
        System.arraycopy(part2, 0, joined, 300, 700);
        assertBitsEqual(whole, joined, "two draws of 300 and 700 continue one stream");
        Generator resumed = new Generator(9);
        resumed.setCounter(saved);
        assertBitsEqual(part2, Tensor.rand(resumed, 700).toFloatArray(), "resumed from a saved counter");
        // and the shape does not matter, only the positions
        assertBitsEqual(Tensor.randn(new Generator(3), 20, 50).toFloatArray(),
                Tensor.randn(new Generator(3), 1000).toFloatArray(), "shape-independent");
        assertShape(Tensor.randn(new Generator(3), 20, 50), 20, 50);
    }

    @Test
    void randnHasMeanZeroAndUnitVariance() {
        float[] x = Tensor.randn(new Generator(123), N).toFloatArray();
        double mean = 0;
        for (float v : x) {
            mean += v;
        }
        mean /= N;
        double var = 0;
        double within1 = 0;
        double fourth = 0;
        for (float v : x) {
            var += (v - mean) * (v - mean);
            fourth += Math.pow(v - mean, 4);
            within1 += Math.abs(v) < 1 ? 1 : 0;
        }
        var /= N - 1;
        fourth /= N;
        within1 /= N;
        // standard errors for N(0, 1): mean 1/√N; sample variance √(2/N); P(|x| < 1) = 0.6827 binomial
        assertEquals(0, mean, Z / Math.sqrt(N), "mean");
        assertEquals(1, var, Z * Math.sqrt(2.0 / N), "variance");
        assertEquals(0.682689492, within1, Z * Math.sqrt(0.6827 * 0.3173 / N), "P(|x| < 1)");
        // fourth moment 3 (kurtosis of the normal), variance of x⁴ is 105 - 9 = 96
        assertEquals(3, fourth, Z * Math.sqrt(96.0 / N), "E[x⁴]");
        // neighbours are uncorrelated: lag-1 correlation has standard error 1/√N
        double lag = 0;
        for (int i = 1; i < N; i++) {
            lag += (x[i] - mean) * (x[i - 1] - mean);
        }
        assertEquals(0, lag / ((N - 1) * var), Z / Math.sqrt(N), "lag-1 correlation");
    }

    @Test
    void normalWithParametersShiftsAndScales() {
        Tensor t = Tensor.random(Distribution.NORMAL, 3, 2, new Generator(5), Shape.of(N), Device.CPU);
        float[] x = t.toFloatArray();
        double mean = 0;
        for (float v : x) {
            mean += v;
        }
        mean /= N;
        double var = 0;
        for (float v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= N - 1;
        assertEquals(3, mean, Z * 2 / Math.sqrt(N), "mean");
        assertEquals(4, var, Z * 4 * Math.sqrt(2.0 / N), "variance");
    }

    @Test
    void randIsUniformOnTheHalfOpenUnitInterval() {
        float[] x = Tensor.rand(new Generator(77), N).toFloatArray();
        double mean = 0;
        double var = 0;
        int[] bins = new int[10];
        for (float v : x) {
            assertTrue(v >= 0 && v < 1, "rand value " + v + " outside [0, 1)");
            mean += v;
            var += (v - 0.5) * (v - 0.5);
            bins[(int) (v * 10)]++;
        }
        mean /= N;
        var /= N;
        // U(0,1): mean 1/2 with sd √(1/12); (U - ½)² has mean 1/12 and variance 1/80 - 1/144
        assertEquals(0.5, mean, Z * Math.sqrt(1.0 / 12 / N), "mean");
        assertEquals(1.0 / 12, var, Z * Math.sqrt((1.0 / 80 - 1.0 / 144) / N), "variance");
        for (int b = 0; b < 10; b++) {
            assertEquals(N / 10.0, bins[b], Z * Math.sqrt(N * 0.1 * 0.9), "decile " + b);
        }
        float[] ranged = Tensor.random(Distribution.UNIFORM, -2, 3, new Generator(78), Shape.of(1000), Device.CPU)
                .toFloatArray();
        for (float v : ranged) {
            assertTrue(v >= -2 && v < 3, "uniform(-2, 3) value " + v);
        }
    }

    @Test
    void bernoulliHitsItsRate() {
        for (double p : new double[]{0.1, 0.5, 0.9}) {
            float[] x = Tensor.bernoulli(p, new Generator(11), N).toFloatArray();
            int ones = 0;
            for (float v : x) {
                assertTrue(v == 0 || v == 1, "bernoulli value " + v);
                ones += (int) v;
            }
            assertEquals(p, ones / (double) N, Z * Math.sqrt(p * (1 - p) / N), "rate for p = " + p);
        }
        float[] never = Tensor.bernoulli(0, new Generator(1), 1000).toFloatArray();
        float[] always = Tensor.bernoulli(1, new Generator(1), 1000).toFloatArray();
        for (int i = 0; i < 1000; i++) {
            assertEquals(0f, never[i]);
            assertEquals(1f, always[i]);
        }
    }
}
