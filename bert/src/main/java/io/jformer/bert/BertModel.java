package io.jformer.bert;

import io.jformer.autograd.Variable;
import io.jformer.nn.Module;
import io.jformer.tensor.DType;
import io.jformer.tensor.Generator;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;

/**
 * The BERT encoder: embeddings, a stack of transformer layers and (optionally) the pooler, with Hugging
 * Face's parameter names ({@code embeddings.*}, {@code encoder.layer.N.*}, {@code pooler.dense.*}).
 */
public final class BertModel extends Module {

    private final BertConfig config;
    private final BertEmbeddings embeddings;
    private final BertEncoder encoder;
    private final BertPooler pooler;

    /**
     * @param init       draws the initial weights (Normal(0, initializer_range²), LayerNorm 1/0, biases 0)
     * @param dropoutGen draws the dropout masks during training
     */
    public BertModel(BertConfig config, boolean addPoolingLayer, Generator init, Generator dropoutGen) {
        this.config = config;
        embeddings = child("embeddings", new BertEmbeddings(config, init, dropoutGen));
        encoder = child("encoder", new BertEncoder(config, init, dropoutGen));
        pooler = addPoolingLayer ? child("pooler", new BertPooler(config, init)) : null;
    }

    /** The configuration the model was built from. */
    public BertConfig config() {
        return config;
    }

    /** Whether the model has a pooler ({@code pooler.dense.*}). */
    public boolean hasPooler() {
        return pooler != null;
    }

    /** The embedding layer ({@code embeddings.*}). */
    public BertEmbeddings embeddings() {
        return embeddings;
    }

    /**
     * @param inputIds      I64 {@code [batch, seq]}
     * @param tokenTypeIds  I64 {@code [batch, seq]}, or null for all zeros
     * @param attentionMask {@code [batch, seq]} of 1 (attend) and 0 (padding), F32 or I64, or null for all ones
     */
    public BertModelOutput forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask) {
        Embedded in = embed(inputIds, tokenTypeIds, attentionMask);
        Variable hidden = encoder.forward(in.hidden(), in.mask());
        return new BertModelOutput(hidden, pooler == null ? null : pooler.forward(hidden));
    }

    /**
     * The pooled output alone, {@code [batch, hidden]}: the same values as {@code forward(...).pooled()} for a
     * fraction of the last layer's work. Only the [CLS] token of the last layer reaches the pooler, so that
     * layer runs for that one token: its attention still reads every token, but through the key and value
     * weights folded into the query rather than projected keys and values ({@code BertSelfAttention}), and the
     * backward pass skips the same work: at 128 tokens a step of bert-base does about 8% fewer products, one of
     * all-MiniLM-L6-v2 about 16%. Arguments as in {@link #forward}.
     *
     * @throws IllegalStateException if the model has no pooler
     */
    public Variable forwardPooled(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask) {
        if (pooler == null) {
            throw new IllegalStateException("forwardPooled: this BertModel was built without a pooler");
        }
        Embedded in = embed(inputIds, tokenTypeIds, attentionMask);
        return pooler.forward(encoder.forwardFirstToken(in.hidden(), in.mask()));
    }

    /** The embedding layer's output and the additive attention mask (null for none) the encoder reads. */
    private record Embedded(Variable hidden, Variable mask) {
    }

    /** Checks the inputs' shapes and types, then embeds the tokens. */
    private Embedded embed(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask) {
        if (inputIds.rank() != 2 || inputIds.dtype() != DType.I64) {
            throw new IllegalArgumentException("input ids must be I64 [batch, seq], got " + inputIds.dtype() + " "
                    + inputIds.shape());
        }
        Tensor types = tokenTypeIds == null
                ? Tensor.ofLongs(new long[inputIds.numel()], inputIds.shape().toArray()).to(inputIds.device())
                : requireSameShape("token type ids", tokenTypeIds, inputIds);
        Variable mask = attentionMask == null ? null
                : Variable.constant(additiveMask(requireSameShape("attention mask", attentionMask, inputIds)));
        return new Embedded(embeddings.forward(inputIds, types), mask);
    }

    private static Tensor requireSameShape(String what, Tensor t, Tensor ids) {
        if (!t.shape().equals(ids.shape())) {
            throw new ShapeMismatchException(what + " of shape " + t.shape() + " do not match input ids of shape "
                    + ids.shape());
        }
        return t;
    }

    /**
     * 1/0 mask → additive {@code [batch, 1, 1, seq]}: 0 where attended, the most negative float where padded
     * (Hugging Face's {@code finfo.min}), broadcast over heads and query positions.
     */
    static Tensor additiveMask(Tensor mask) {
        Tensor m = mask.to(DType.F32);
        return m.neg().add(1).mul(-Float.MAX_VALUE).reshape(m.size(0), 1, 1, m.size(1));
    }
}
