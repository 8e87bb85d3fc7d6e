package io.jformer.autograd;

import io.jformer.tensor.Tensor;

/** Embedding lookup; its backward pass scatter-adds into the rows that were read. */
final class EmbeddingFunction {

    private EmbeddingFunction() {
    }

    static Variable embedding(Variable weight, Tensor ids) {
        Tensor w = weight.data();
        int rows = w.size(0);
        return Variable.record("embedding", w.backend().embedding(w, ids),
                g -> new Tensor[]{g.backend().embeddingBackward(g, ids, rows)}, weight);
    }
}
