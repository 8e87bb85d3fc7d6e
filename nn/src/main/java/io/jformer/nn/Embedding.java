package io.jformer.nn;

import io.jformer.autograd.Functional;
import io.jformer.autograd.Variable;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;

/** A lookup table of {@code [rows, dim]} vectors indexed by I64 ids. */
public final class Embedding extends Module {

    private final Variable weight;

    /** A table of {@code rows} vectors of size {@code dim}, initialised Normal(0, std²); parameter {@code weight}. */
    public Embedding(int rows, int dim, Generator gen, double std) {
        this.weight = parameter("weight", Init.normal(gen, std, rows, dim));
    }

    /** Rows for {@code ids} of any shape: result {@code ids.shape + [dim]}. */
    public Variable forward(Tensor ids) {
        return Functional.embedding(weight, ids);
    }

    /** The table, {@code [rows, dim]}. */
    public Variable weight() {
        return weight;
    }
}
