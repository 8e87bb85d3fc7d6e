package io.jformer.nn;

import io.jformer.autograd.Variable;

/** A module that maps one input to one output, so layers can be chained. */
public interface Layer {
    /** The output for input {@code x}. */
    Variable forward(Variable x);
}
