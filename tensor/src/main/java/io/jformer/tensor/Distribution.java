package io.jformer.tensor;

/** Distributions for {@link Backend#fillRandom}. */
public enum Distribution {
    /** Parameters: mean, standard deviation. */
    NORMAL,
    /** Parameters: low (inclusive), high (exclusive). */
    UNIFORM,
    /** Parameter: probability of 1 (the second parameter is ignored). */
    BERNOULLI
}
