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
 * (evaluation, inference) the whole attention is one fused op that stores no scores. A few queries over many
 * tokens ([CLS] alone in a classifier's last layer) skip the key and value projections altogether (see
 * {@link #foldsProjections}).
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
        if (queries != x && foldsProjections(queries.size(1), x.size(1))) {
            return attendThroughProjections(queries, x, additiveMask);
        }
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

    /**
     * Whether {@link #attendThroughProjections} costs fewer multiply-adds than projecting every key and value:
     * per sequence {@code tq·heads·t·H} for the scores and the weighted inputs plus {@code tq·H²} for folding the
     * weights into the queries, against {@code t·H²}. For [CLS] alone (tq = 1) it always does.
     */
    boolean foldsProjections(int tq, int t) {
        long hidden = (long) heads * headSize;
        return (long) tq * (heads * (long) t * hidden + hidden * hidden) < t * hidden * hidden;
    }

    /**
     * Attention of a few queries without projecting the keys and values, which cost {@code t·H²} per sequence
     * when only {@code tq} rows of output are wanted. The projections are linear, so they move to the query side:
     * a query's score against input row {@code x_t} is {@code q·(W_k x_t + b_k) = (W_kᵀq)·x_t + q·b_k}, and the
     * context {@code Σ_t p_t (W_v x_t + b_v) = W_v (Σ_t p_t x_t) + b_v Σ_t p_t} (the weights' sum is kept, as
     * dropout makes it other than one). Per head, {@code W_kᵀq} and {@code W_v·u} are products with the head's
     * {@code d} rows of the weight. The value equals the unfolded form's up to rounding; the backward pass, which
     * autograd derives from these ops, has the same small shapes (the key and value weights' gradients are sums
     * over the queries, not over every token). Without a gradient (inference) it also runs op by op, not through
     * the fused attention kernel: every op here is already small.
     */
    private Variable attendThroughProjections(Variable queries, Variable x, Variable additiveMask) {
        int batch = x.size(0);
        int t = x.size(1);
        int hidden = heads * headSize;
        int tq = queries.size(1);
        Variable q = splitHeads(query.forward(queries)); // [B,heads,tq,d]
        // Heads first, so each head's product has every query of the batch as its rows.
        Variable byHead = q.permute(1, 0, 2, 3).reshape(heads, batch * tq, headSize);
        Variable foldedKeys = byHead.matmul(key.weight().reshape(heads, headSize, hidden)) // W_kᵀq: [heads,B·tq,H]
                .reshape(heads, batch, tq, hidden).permute(1, 0, 2, 3).reshape(batch, heads * tq, hidden);
        Variable scores = foldedKeys.matmul(x.transpose(1, 2)).reshape(batch, heads, tq, t);
        if (key.bias() != null) {
            // q·b_k, one number per query and head shared by every key: softmax is blind to it, but keeping it
            // keeps the scores (and b_k's gradient, zero up to rounding) those of the unfolded form.
            scores = scores.add(q.mul(key.bias().reshape(heads, 1, headSize)).sum(true, 3));
        }
        Variable weights = Functional.softmax(scores, 3, 1.0 / Math.sqrt(headSize), additiveMask);
        weights = Functional.dropout(weights, dropout.probability(), dropout.isActive(), dropout.generator());
        Variable mixed = weights.reshape(batch, heads * tq, t).matmul(x) // Σ_t p_t x_t: [B,heads·tq,H]
                .reshape(batch, heads, tq, hidden).permute(1, 0, 2, 3).reshape(heads, batch * tq, hidden);
        Variable context = mixed.matmul(value.weight().reshape(heads, headSize, hidden).transpose(1, 2))
                .reshape(heads, batch, tq, headSize).permute(1, 0, 2, 3); // [B,heads,tq,d]
        if (value.bias() != null) {
            context = context.add(value.bias().reshape(heads, 1, headSize).mul(weights.sum(true, 3)));
        }
        return mergeHeads(context);
    }

    /** {@code [B,heads,T,d]} → {@code [B,T,heads·d]}. */
    private Variable mergeHeads(Variable t) {
        return t.permute(0, 2, 1, 3).reshape(t.size(0), t.size(2), heads * headSize);
    }

    private Variable splitHeads(Variable t) {
        return t.reshape(t.size(0), t.size(1), heads, headSize).permute(0, 2, 1, 3);
    }
}
