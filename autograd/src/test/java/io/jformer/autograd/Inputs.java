package io.jformer.autograd;

import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;

/** Seeded random inputs for gradient checks, shaped to keep finite differences away from kinks and poles. */
final class Inputs {

    private final Generator gen;

    Inputs(long seed) {
        this.gen = new Generator(seed);
    }

    /** Standard normal values. */
    Tensor normal(int... shape) {
        return Tensor.randn(gen, shape);
    }

    /** Values in [lo, hi). */
    Tensor uniform(double lo, double hi, int... shape) {
        return Tensor.rand(gen, shape).mul(hi - lo).add(lo);
    }

    /** Values at least {@code gap} away from zero on either side: for |x|, relu and friends. */
    Tensor awayFromZero(double gap, int... shape) {
        Tensor sign = Tensor.bernoulli(0.5, gen, shape).mul(2).sub(1);
        return uniform(gap, gap + 1, shape).mul(sign);
    }

    /**
     * Values whose pairwise gaps exceed {@code 10·h} (h = the check's step), so a max or min never changes
     * its winner under a finite-difference perturbation: a shuffled arange scaled by 0.25.
     */
    Tensor distinct(int... shape) {
        Tensor keys = Tensor.rand(gen, Tensor.zeros(shape).numel());
        float[] k = keys.toFloatArray();
        Integer[] order = new Integer[k.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(k[a], k[b]));
        float[] v = new float[k.length];
        for (int i = 0; i < v.length; i++) {
            v[order[i]] = (i - v.length / 2f) * 0.25f;
        }
        return Tensor.of(v, shape);
    }
}
