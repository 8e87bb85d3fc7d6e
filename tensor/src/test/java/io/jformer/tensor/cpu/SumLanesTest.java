package io.jformer.tensor.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Sums keep one accumulator per lane and fold the lanes in a fixed tree (upper half onto lower, repeatedly), so
 * their rounding never depends on JIT state. {@link VectorMath#sum} and {@link VectorMath#dot} are checked bit
 * for bit against that order written out in scalar code, on values spread over many magnitudes so a different
 * order would show.
 */
class SumLanesTest {

    private static float fold(float[] lanes) {
        for (int w = lanes.length; w > 1; w /= 2) {
            for (int i = 0; i < w / 2; i++) {
                lanes[i] = lanes[i] + lanes[i + w / 2];
            }
        }
        return lanes[0];
    }

    /** Gaussian values scaled over twelve decades: any other order or grouping of a sum rounds differently. */
    static float[] spread(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(12) - 6));
        }
        return a;
    }

    @Test
    void sumAndDotFoldInTheDocumentedOrder() {
        Random r = new Random(5);
        int lanesCount = VectorMath.LANES;
        for (int trial = 0; trial < 500; trial++) {
            int n = r.nextInt(5 * lanesCount);
            int off = r.nextInt(3);
            float[] a = spread(r, off + n);
            float[] b = spread(r, off + n);
            int full = n / lanesCount * lanesCount;
            float[] sumLanes = new float[lanesCount];
            float[] dotLanes = new float[lanesCount];
            for (int i = 0; i < full; i++) {
                sumLanes[i % lanesCount] += a[off + i];
                dotLanes[i % lanesCount] = Math.fma(a[off + i], b[off + i], dotLanes[i % lanesCount]);
            }
            float sum = fold(sumLanes);
            float dot = fold(dotLanes);
            for (int i = full; i < n; i++) {
                sum += a[off + i];
                dot += a[off + i] * b[off + i];
            }
            assertEquals(Float.floatToIntBits(sum), Float.floatToIntBits(VectorMath.sum(a, off, n)), "sum, trial " + trial);
            assertEquals(Float.floatToIntBits(dot), Float.floatToIntBits(VectorMath.dot(a, off, b, off, n)),
                    "dot, trial " + trial);
        }
    }

    /** The written-out trees for 16 and 8 lanes (AVX-512, AVX2) are the loop's tree, whichever this machine uses. */
    @Test
    void writtenOutTreesAreTheLoopsTree() {
        Random r = new Random(6);
        for (int trial = 0; trial < 2000; trial++) {
            float[] t = spread(r, 16);
            assertEquals(Float.floatToIntBits(VectorMath.foldTree(t.clone(), 16)),
                    Float.floatToIntBits(VectorMath.foldSixteen(t)), "16 lanes, trial " + trial);
            assertEquals(Float.floatToIntBits(VectorMath.foldTree(t.clone(), 8)),
                    Float.floatToIntBits(VectorMath.foldEight(t)), "8 lanes, trial " + trial);
        }
    }
}
