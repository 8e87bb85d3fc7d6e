package io.jformer.bert;

import io.jformer.autograd.Variable;
import io.jformer.nn.Linear;
import io.jformer.nn.Module;
import io.jformer.tensor.Generator;

/** {@code tanh(dense(h[:, 0]))}: the [CLS] token's representation for sentence-level tasks. */
final class BertPooler extends Module {

    private final Linear dense;

    BertPooler(BertConfig c, Generator init) {
        dense = child("dense", new Linear(c.hiddenSize(), c.hiddenSize(), true, init, c.initializerRange()));
    }

    Variable forward(Variable hidden) {
        return dense.forward(hidden.select(1, 0)).tanh();
    }
}
