package io.jformer.bert;

import io.jformer.autograd.Functional;
import io.jformer.autograd.Variable;
import io.jformer.nn.Dropout;
import io.jformer.nn.Linear;
import io.jformer.nn.Module;
import io.jformer.tensor.Generator;

/**
 * Multi-head scaled dot-product self-attention. Heads are views ([B,T,H] → [B,heads,T,d]); Kᵀ is a
 * transposed view that the matmul reads in place; scale, padding mask and softmax run as one kernel.
 */
final class BertSelfAttention extends Module {

    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Dropout dropout;
    private final int heads;
    private final int headSize;

    BertSelfAttention(BertConfig c, Generator init, Generator dropoutGen) {
        query = child("query", new Linear(c.hiddenSize(), c.hiddenSize(), true, init, c.initializerRange()));
        key = child("key", new Linear(c.hiddenSize(), c.hiddenSize(), true, init, c.initializerRange()));
        value = child("value", new Linear(c.hiddenSize(), c.hiddenSize(), true, init, c.initializerRange()));
        dropout = child("dropout", new Dropout(c.attentionProbsDropoutProb(), dropoutGen));
        heads = c.numAttentionHeads();
        headSize = c.headSize();
    }

    /** {@code x [B,T,H]}, {@code additiveMask [B,1,1,T]} (or null) → context {@code [B,T,H]}. */
    Variable forward(Variable x, Variable additiveMask) {
        Variable q = splitHeads(query.forward(x));
        Variable k = splitHeads(key.forward(x));
        Variable v = splitHeads(value.forward(x));
        Variable probs = Functional.softmax(q.matmul(k.t()), -1, 1.0 / Math.sqrt(headSize), additiveMask);
        Variable context = dropout.forward(probs).matmul(v);
        return context.permute(0, 2, 1, 3).reshape(x.size(0), x.size(1), heads * headSize);
    }

    private Variable splitHeads(Variable t) {
        return t.reshape(t.size(0), t.size(1), heads, headSize).permute(0, 2, 1, 3);
    }
}
