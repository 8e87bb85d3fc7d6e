package io.jformer.autograd;

import io.jformer.tensor.Tensor;

/**
 * Embedding lookup; its backward pass scatter-adds into the rows that were read. Into a parameter's gradient
 * that starts from zero in this pass (the usual case: the table is read once per step) it scatters in place,
 * with the values the dense gradient would have, instead of building a table-sized gradient first and copying it
 * over: 30,522 rows of zeros and a copy, each step, for the few hundred rows a batch reads.
 */
final class EmbeddingFunction {

    private EmbeddingFunction() {
    }

    static Variable embedding(Variable weight, Tensor ids) {
        Tensor w = weight.data();
        int rows = w.size(0);
        return Variable.record("embedding", w.backend().embedding(w, ids), g -> {
            if (weight.scatterFirstGradientRows(g, ids)) {
                return new Tensor[]{null};
            }
            return new Tensor[]{g.backend().embeddingBackward(g, ids, rows)};
        }, weight);
    }
}
