package io.jformer.nn;

import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;

/** Parameter initialisers. Random ones draw from a {@link Generator}, so a seeded model is reproducible. */
public final class Init {

    private Init() {
    }

    /** Normal(0, std²) values: BERT initialises weights with {@code std = initializer_range} (0.02). */
    public static Tensor normal(Generator gen, double std, int... shape) {
        return Tensor.randn(gen, shape).mul(std);
    }

    /** F32 zeros (biases, LayerNorm bias). */
    public static Tensor zeros(int... shape) {
        return Tensor.zeros(shape);
    }

    /** F32 ones (LayerNorm weight). */
    public static Tensor ones(int... shape) {
        return Tensor.ones(shape);
    }
}
