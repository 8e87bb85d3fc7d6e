package io.jformer.bert;

import io.jformer.autograd.Variable;
import io.jformer.nn.Module;
import io.jformer.tensor.Generator;

/** Self-attention followed by its output projection, residual and layer norm. */
final class BertAttention extends Module {

    private final BertSelfAttention self;
    private final BertResidualOutput output;

    BertAttention(BertConfig c, Generator init, Generator dropoutGen) {
        self = child("self", new BertSelfAttention(c, init, dropoutGen));
        output = child("output", new BertResidualOutput(c.hiddenSize(), c, init, dropoutGen));
    }

    /** {@code queries [B,Tq,H]} attend over {@code x [B,T,H]}; the result has the queries' shape. */
    Variable forward(Variable queries, Variable x, Variable additiveMask) {
        return output.forward(self.forward(queries, x, additiveMask), queries);
    }
}
