package io.jformer.bert;

import io.jformer.autograd.Variable;
import io.jformer.nn.Dropout;
import io.jformer.nn.Linear;
import io.jformer.nn.Module;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;

/**
 * BERT with a classification head on the pooled [CLS] output: {@code classifier(dropout(pooled))}.
 * Parameter names match Hugging Face's ({@code bert.*}, {@code classifier.*}).
 */
public final class BertForSequenceClassification extends Module {

    private final BertConfig config;
    private final BertModel bert;
    private final Dropout dropout;
    private final Linear classifier;
    private final Generator dropoutGen;
    private boolean lastLayerForAllTokens;

    /**
     * A model with freshly initialised weights.
     *
     * @param init       draws the initial weights
     * @param dropoutGen draws the dropout masks during training (its position is part of a training checkpoint)
     */
    public BertForSequenceClassification(BertConfig config, Generator init, Generator dropoutGen) {
        this.config = config;
        this.dropoutGen = dropoutGen;
        bert = child("bert", new BertModel(config, true, init, dropoutGen));
        double p = config.classifierDropout() != null ? config.classifierDropout() : config.hiddenDropoutProb();
        dropout = child("dropout", new Dropout(p, dropoutGen));
        classifier = child("classifier",
                new Linear(config.hiddenSize(), config.numLabels(), true, init, config.initializerRange()));
    }

    /** The configuration the model was built from. */
    public BertConfig config() {
        return config;
    }

    /** The encoder ({@code bert.*}). */
    public BertModel bert() {
        return bert;
    }

    /** The generator of dropout masks. */
    public Generator dropoutGenerator() {
        return dropoutGen;
    }

    /**
     * Whether {@link #forward} runs the last encoder layer for every token, as Hugging Face does, instead of for
     * the [CLS] token alone ({@link BertModel#forwardPooled}, the default). The logits and gradients are the
     * same either way (up to float rounding); the full layer is there to measure what the shortcut saves.
     */
    public void setLastLayerForAllTokens(boolean allTokens) {
        lastLayerForAllTokens = allTokens;
    }

    /** Logits {@code [batch, num_labels]}; arguments as in {@link BertModel#forward}. */
    public Variable forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask) {
        Variable pooled = lastLayerForAllTokens
                ? bert.forward(inputIds, tokenTypeIds, attentionMask).pooled()
                : bert.forwardPooled(inputIds, tokenTypeIds, attentionMask);
        return classifier.forward(dropout.forward(pooled));
    }
}
