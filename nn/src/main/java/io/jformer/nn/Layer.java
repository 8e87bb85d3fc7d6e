package io.jformer.nn;

import io.jformer.autograd.Variable;

/** A module that maps one input to one output, so layers can be chained. */
public interface Layer {
    Variable forward(Variable x);
}
