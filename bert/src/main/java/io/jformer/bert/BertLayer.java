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

    /** {@code x [B,T,H]} → {@code [B,T,H]}. */
    Variable forward(Variable x, Variable additiveMask) {
        return forward(x, x, additiveMask);
    }

    /**
     * The layer's output at the first position alone, {@code [B,1,H]}: its query, feed-forward and norms run for
     * that one token, while its attention still reads every position, so the result equals position 0 of
     * {@link #forward(Variable, Variable)} (up to rounding: the attention folds the key and value projections
     * into the query, see {@link BertSelfAttention}).
     */
    Variable forwardFirstToken(Variable x, Variable additiveMask) {
        return forward(x.narrow(1, 0, 1), x, additiveMask);
    }

    private Variable forward(Variable queries, Variable x, Variable additiveMask) {
        Variable attended = attention.forward(queries, x, additiveMask);
        return output.forward(intermediate.forward(attended), attended);
    }
}
