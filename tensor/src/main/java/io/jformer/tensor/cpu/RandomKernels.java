package io.jformer.tensor.cpu;

import io.jformer.tensor.Generator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Bernoulli draws on the CPU, a vector of them at a time, reproducing {@link Generator#bernoulliBits} exactly:
 * the fill of {@code Tensor.random(BERNOULLI, ...)} and inverted dropout fused into one pass (the mask is
 * never stored, in the forward pass or when the backward pass draws it again).
 *
 * <p>Only 32-bit integer lanes beside the float ones: see {@link Generator#bernoulliBits} for why not 64.
 */
final class RandomKernels {

    private static final VectorSpecies<Integer> INTS =
            VectorSpecies.of(int.class, VectorMath.SPECIES.vectorShape());
    private static final int LANES = INTS.length();
    private static final IntVector IOTA = IntVector.fromArray(INTS, iota(LANES), 0);
    /** Positions whose high 32 bits agree share one key. */
    private static final long SEGMENT = 1L << 32;

    private RandomKernels() {
    }

    /**
     * {@code out[o + i] = x[xo + i] · f_i} for {@code i < len}, where {@code f_i} is {@code scale} if the Bernoulli
     * draw at position {@code counter + i} succeeds with probability {@code keep}, else {@code +0}; with
     * {@code x == null}, {@code out[o + i] = f_i}. One float multiply per element, so the result is the same
     * as multiplying by a stored {@code scale}-or-zero mask.
     */
    static void maskedScale(float[] out, int o, float[] x, int xo, int len, long seed, long counter, double keep,
            float scale) {
        int threshold = Generator.bernoulliThreshold(keep);
        int scaleBits = Float.floatToRawIntBits(scale);
        int done = 0;
        while (done < len) {
            long index = counter + done;
            int n = (int) Math.min(len - done, SEGMENT - (index & (SEGMENT - 1)));
            long key = Generator.bernoulliKey(seed, index >>> 32);
            segment(out, o + done, x, xo + done, n, key, (int) index, threshold, scale, scaleBits);
            done += n;
        }
    }

    /** {@link #maskedScale} for positions that share {@code key}; the first has low bits {@code low}. */
    private static void segment(float[] out, int o, float[] x, int xo, int n, long key, int low, int threshold,
            float scale, int scaleBits) {
        int k1 = (int) key;
        int k2 = (int) (key >>> 32);
        int i = 0;
        for (int upper = n - LANES; i <= upper; i += LANES) {
            IntVector v = IOTA.add(low + i).lanewise(VectorOperators.XOR, k1);
            v = v.lanewise(VectorOperators.XOR, v.lanewise(VectorOperators.LSHR, 17)).mul(Generator.BERNOULLI_M1);
            v = v.lanewise(VectorOperators.XOR, v.lanewise(VectorOperators.LSHR, 11))
                    .lanewise(VectorOperators.XOR, k2).mul(Generator.BERNOULLI_M2);
            v = v.lanewise(VectorOperators.XOR, v.lanewise(VectorOperators.LSHR, 15)).mul(Generator.BERNOULLI_M3);
            v = v.lanewise(VectorOperators.XOR, v.lanewise(VectorOperators.LSHR, 14));
            // draw - threshold is negative exactly for a success (both are below 2^24): its sign spread over
            // all bits selects scale's bit pattern or +0.
            FloatVector factor = v.lanewise(VectorOperators.LSHR, 8).sub(threshold)
                    .lanewise(VectorOperators.ASHR, 31).and(scaleBits).reinterpretAsFloats();
            if (x == null) {
                factor.intoArray(out, o + i);
            } else {
                FloatVector.fromArray(VectorMath.SPECIES, x, xo + i).mul(factor).intoArray(out, o + i);
            }
        }
        for (; i < n; i++) {
            float f = Generator.bernoulliBits(key, low + i) < threshold ? scale : 0f;
            out[o + i] = x == null ? f : x[xo + i] * f;
        }
    }

    private static int[] iota(int n) {
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
            values[i] = i;
        }
        return values;
    }
}
