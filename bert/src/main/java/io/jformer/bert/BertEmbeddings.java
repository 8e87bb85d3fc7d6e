package io.jformer.bert;

import io.jformer.autograd.Variable;
import io.jformer.nn.Dropout;
import io.jformer.nn.Embedding;
import io.jformer.nn.LayerNorm;
import io.jformer.nn.Module;
import io.jformer.tensor.Generator;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;

/** Word + position + token-type embeddings, then layer norm and dropout. */
public final class BertEmbeddings extends Module {

    private final Embedding words;
    private final Embedding positions;
    private final Embedding tokenTypes;
    private final LayerNorm norm;
    private final Dropout dropout;

    BertEmbeddings(BertConfig c, Generator init, Generator dropoutGen) {
        words = child("word_embeddings", new Embedding(c.vocabSize(), c.hiddenSize(), init, c.initializerRange()));
        positions = child("position_embeddings",
                new Embedding(c.maxPositionEmbeddings(), c.hiddenSize(), init, c.initializerRange()));
        tokenTypes = child("token_type_embeddings",
                new Embedding(c.typeVocabSize(), c.hiddenSize(), init, c.initializerRange()));
        norm = child("LayerNorm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
        dropout = child("dropout", new Dropout(c.hiddenDropoutProb(), dropoutGen));
    }

    /** {@code inputIds} and {@code tokenTypeIds} are I64 {@code [batch, seq]}. */
    Variable forward(Tensor inputIds, Tensor tokenTypeIds) {
        int seq = inputIds.size(1);
        int maxPositions = positions.weight().size(0);
        if (seq > maxPositions) {
            throw new ShapeMismatchException("input of shape " + inputIds.shape() + " is longer than the "
                    + maxPositions + " positions the model has (max_position_embeddings)");
        }
        long[] pos = new long[seq];
        for (int i = 0; i < seq; i++) {
            pos[i] = i;
        }
        Variable x = words.forward(inputIds)
                .add(positions.forward(Tensor.ofLongs(pos, 1, seq).to(inputIds.device())))
                .add(tokenTypes.forward(tokenTypeIds));
        return dropout.forward(norm.forward(x));
    }

    /** The token embedding table ({@code word_embeddings}). */
    public Embedding wordEmbeddings() {
        return words;
    }
}
