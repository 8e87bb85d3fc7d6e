package io.jformer.bert;

import io.jformer.autograd.Variable;
import io.jformer.nn.Module;
import io.jformer.tensor.Generator;

/** One transformer encoder layer (post-layer-norm, as in BERT). */
final class BertLayer extends Module {

    private final BertAttention attention;
    private final BertIntermediate intermediate;
    private final BertResidualOutput output;

    BertLayer(BertConfig c, Generator init, Generator dropoutGen) {
        attention = child("attention", new BertAttention(c, init, dropoutGen));
        intermediate = child("intermediate", new BertIntermediate(c, init));
        output = child("output", new BertResidualOutput(c.intermediateSize(), c, init, dropoutGen));
    }

    Variable forward(Variable x, Variable additiveMask) {
        Variable attended = attention.forward(x, additiveMask);
        return output.forward(intermediate.forward(attended), attended);
    }
}
