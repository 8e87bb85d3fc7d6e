package io.jformer.examples;

import io.jformer.autograd.GradMode;
import io.jformer.bert.BertCheckpoint;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.bert.tokenizer.BertTokenizer;
import io.jformer.tensor.Tensor;
import io.jformer.train.data.PaddedIds;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Classifies sentences with a fine-tuned checkpoint (a Hugging Face directory: {@code config.json},
 * {@code model.safetensors}, {@code vocab.txt} or {@code tokenizer.json}).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp CLASSPATH io.jformer.examples.Classify MODEL_DIR "Great film." ...
 * </pre>
 */
public final class Classify {

    /** A predicted label and its probability. */
    public record Prediction(String text, String label, float probability) {
    }

    private Classify() {
    }

    /** Loads the model in {@code modelDir} and classifies {@code texts} in one batch. */
    public static List<Prediction> classify(Path modelDir, List<String> texts) throws IOException {
        // snippet:start classify
        BertTokenizer tokenizer = BertTokenizer.fromModelDir(modelDir);
        // null: the labels of config.json; 0: seed for a head the checkpoint lacks; -1: the config's dropout
        BertForSequenceClassification model = BertCheckpoint.loadClassifier(modelDir, null, 0, -1).model();
        model.eval(); // no dropout

        PaddedIds batch = PaddedIds.of(tokenizer.encodeBatch(texts), tokenizer.vocab().padId());
        float[] probs;
        try (GradMode.Scope noGrad = GradMode.noGrad()) { // inference: record no graph
            Tensor logits = model.forward(batch.inputIds(), batch.tokenTypeIds(), batch.attentionMask()).data();
            probs = logits.softmax(-1).toFloatArray(); // [texts, labels], row-major
        }
        List<String> labels = model.config().id2label();
        List<Prediction> predictions = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int best = 0;
            for (int k = 1; k < labels.size(); k++) {
                if (probs[i * labels.size() + k] > probs[i * labels.size() + best]) {
                    best = k;
                }
            }
            predictions.add(new Prediction(texts.get(i), labels.get(best), probs[i * labels.size() + best]));
        }
        // snippet:end
        return predictions;
    }

    /**
     * Prints label, probability and text for each sentence.
     *
     * @param args the model directory, then the sentences
     * @throws IOException when the model cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: Classify MODEL_DIR TEXT...");
            System.exit(2);
        }
        List<String> texts = Arrays.asList(args).subList(1, args.length);
        for (Prediction p : classify(Path.of(args[0]), texts)) {
            System.out.printf("%s\t%.3f\t%s%n", p.label(), p.probability(), p.text());
        }
    }
}
