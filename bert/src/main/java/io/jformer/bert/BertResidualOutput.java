package io.jformer.bert;

import io.jformer.autograd.Variable;
import io.jformer.nn.Dropout;
import io.jformer.nn.LayerNorm;
import io.jformer.nn.Linear;
import io.jformer.nn.Module;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Workspace;

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
        Variable dropped;
        // The dense output is dead once dropout has read it (dropout's backward redraws its mask and reads
        // nothing else), so in a training step's workspace its memory is reused by the next layer at once.
        try (Workspace ws = Workspace.open()) {
            dropped = dropout.forward(dense.forward(h));
            ws.keep(dropped.data());
        }
        return norm.forward(dropped.add(residual));
    }
}
