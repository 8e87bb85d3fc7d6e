package io.jformer.nn;

import io.jformer.autograd.Functional;
import io.jformer.autograd.Variable;
import io.jformer.tensor.Generator;

/**
 * Inverted dropout, active only in training mode. Masks come from the shared {@link Generator}, so a seeded
 * run draws the same masks every time.
 */
public final class Dropout extends Module implements Layer {

    private final double p;
    private final Generator gen;

    /**
     * Zeroes each element with probability {@code p} in training (scaling the rest by {@code 1/(1-p)}); masks come
     * from {@code gen}.
     */
    public Dropout(double p, Generator gen) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        this.p = p;
        this.gen = gen;
    }

    @Override
    public Variable forward(Variable x) {
        return Functional.dropout(x, p, isTraining(), gen);
    }

    /** True when {@link #forward} changes its input: in training mode with a non-zero probability. */
    public boolean isActive() {
        return isTraining() && p > 0;
    }

    /** The probability of zeroing an element. */
    public double probability() {
        return p;
    }

    /**
     * The generator the masks come from. A layer that applies this dropout inside a fused op (attention drops
     * its weights between the softmax and the product) draws from it, so the layer keeps one source of masks.
     */
    public Generator generator() {
        return gen;
    }
}
