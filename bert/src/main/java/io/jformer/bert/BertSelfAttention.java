package io.jformer.bert;

import io.jformer.autograd.Functional;
import io.jformer.autograd.Variable;
import io.jformer.nn.Dropout;
import io.jformer.nn.Linear;
import io.jformer.nn.Module;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Workspace;

/**
 * Multi-head scaled dot-product self-attention. Heads are views ([B,T,H] → [B,heads,T,d]); Kᵀ is a
 * transposed view that the matmul reads in place; scale, padding mask and softmax run as one kernel, and the
 * attention-probability dropout is {@link Functional#scaledDotProductAttention}'s. Without a gradient or dropout
 * (evaluation, inference) the whole attention is one fused op that stores no scores.
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

    /**
     * {@code queries [B,Tq,H]} attend over {@code x [B,T,H]} (the same tensor, or its first positions when only
     * those outputs are needed), {@code additiveMask [B,1,1,T]} (or null) → context {@code [B,Tq,H]}.
     */
    Variable forward(Variable queries, Variable x, Variable additiveMask) {
        Variable q = splitHeads(query.forward(queries));
        Variable k = splitHeads(key.forward(x));
        Variable v = splitHeads(value.forward(x));
        double p = dropout.isActive() ? dropout.probability() : 0;
        Workspace ws = Workspace.current();
        long mark = ws == null ? 0 : ws.mark();
        Variable attended = Functional.scaledDotProductAttention(q, k, v, 1.0 / Math.sqrt(headSize), additiveMask,
                p, dropout.generator());
        Variable context = mergeHeads(attended);
        // Merging the heads copies the product, which nothing reads afterwards (the backward of ·v needs the
        // weights and v, not its output): in a workspace its memory serves the next layer at once.
        if (ws != null && context.data().storage() != attended.data().storage()) {
            ws.releaseNow(attended.data(), mark);
        }
        return context;
    }

    /** {@code [B,heads,T,d]} → {@code [B,T,heads·d]}. */
    private Variable mergeHeads(Variable t) {
        return t.permute(0, 2, 1, 3).reshape(t.size(0), t.size(2), heads * headSize);
    }

    private Variable splitHeads(Variable t) {
        return t.reshape(t.size(0), t.size(1), heads, headSize).permute(0, 2, 1, 3);
    }
}
