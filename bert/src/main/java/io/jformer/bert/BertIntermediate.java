package io.jformer.bert;

import io.jformer.autograd.Variable;
import io.jformer.nn.Activation;
import io.jformer.nn.Linear;
import io.jformer.nn.Module;
import io.jformer.tensor.Generator;

/** The feed-forward expansion: {@code act(dense(x))}, hidden → intermediate size. */
final class BertIntermediate extends Module {

    private final Linear dense;
    private final Activation activation;

    BertIntermediate(BertConfig c, Generator init) {
        dense = child("dense", new Linear(c.hiddenSize(), c.intermediateSize(), true, init, c.initializerRange()));
        activation = Activation.byName(c.hiddenAct());
    }

    Variable forward(Variable x) {
        return dense.forward(x, activation);
    }
}
