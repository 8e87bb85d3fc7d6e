package io.jformer.bert;

import io.jformer.autograd.Variable;
import io.jformer.nn.Dropout;
import io.jformer.nn.LayerNorm;
import io.jformer.nn.Linear;
import io.jformer.nn.Module;
import io.jformer.tensor.Generator;

/**
 * {@code LayerNorm(dropout(dense(h)) + residual)}: Hugging Face's {@code BertSelfOutput} (after attention)
 * and {@code BertOutput} (after the feed-forward), which differ only in their input width.
 */
final class BertResidualOutput extends Module {

    private final Linear dense;
    private final LayerNorm norm;
    private final Dropout dropout;

    BertResidualOutput(int in, BertConfig c, Generator init, Generator dropoutGen) {
        dense = child("dense", new Linear(in, c.hiddenSize(), true, init, c.initializerRange()));
        norm = child("LayerNorm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
        dropout = child("dropout", new Dropout(c.hiddenDropoutProb(), dropoutGen));
    }

    Variable forward(Variable h, Variable residual) {
        return norm.forward(dropout.forward(dense.forward(h)).add(residual));
    }
}
