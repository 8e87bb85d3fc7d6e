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
 * transposed view that the matmul reads in place; scale, padding mask and softmax run as one kernel. Without
 * attention dropout (evaluation, inference) the whole attention is one fused op that stores no scores.
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
        double scale = 1.0 / Math.sqrt(headSize);
        if (!dropout.isActive() && !Variable.recordsGradient(q, k, v)) {
            // Inference: one fused op; its output and the merged copy's source die here.
            try (Workspace ws = Workspace.open()) {
                Variable context = mergeHeads(Functional.scaledDotProductAttention(q, k, v, scale, additiveMask));
                ws.keep(context.data());
                return context;
            }
        }
        Variable probs;
        // The raw scores are dead once the softmax has read them (its backward needs only the probabilities):
        // inside a training step's workspace their memory serves the next layer instead of waiting for the end.
        try (Workspace ws = Workspace.open()) {
            probs = Functional.softmax(q.matmul(k.t()), -1, scale, additiveMask);
            ws.keep(probs.data());
        }
        Variable dropped = dropout.forward(probs);
        Variable context;
        // Merging the heads copies the product; the product itself is read by nothing after that.
        try (Workspace ws = Workspace.open()) {
            context = mergeHeads(dropped.matmul(v));
            ws.keep(context.data());
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
