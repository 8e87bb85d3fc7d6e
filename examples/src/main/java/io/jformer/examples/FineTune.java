package io.jformer.examples;

import io.jformer.bert.BertCheckpoint;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.bert.tokenizer.BertTokenizer;
import io.jformer.train.Trainer;
import io.jformer.train.TrainerListener;
import io.jformer.train.TrainingArguments;
import io.jformer.train.data.Batcher;
import io.jformer.train.data.DataFiles;
import io.jformer.train.data.Example;
import io.jformer.train.data.Labels;
import io.jformer.train.data.Splits;
import io.jformer.train.metrics.ClassificationMetrics;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Fine-tunes a BERT checkpoint on a CSV file ({@code text} and {@code label} columns) through the library API:
 * {@link DataFiles}, {@link Batcher}, {@link TrainingArguments} and {@link Trainer}, not the command line.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp CLASSPATH io.jformer.examples.FineTune BASE_MODEL_DIR data.csv OUTPUT_DIR
 * </pre>
 * The fine-tuned model ends up in {@code OUTPUT_DIR/model}, a Hugging Face directory {@link Classify} (and
 * {@code transformers}) can load.
 */
public final class FineTune {

    private FineTune() {
    }

    /**
     * Fine-tunes {@code baseModel} on {@code csv} (20% held out for validation) for three epochs.
     *
     * @return how the run ended, with the validation metrics
     * @throws IOException when the model or the data cannot be read, or the output cannot be written
     */
    public static Trainer.Result fineTune(Path baseModel, Path csv, Path output) throws IOException {
        // snippet:start fine-tune
        Labels labels = Labels.SENTIMENT; // negative, positive; the CSV may say 0/1, neg/pos, ...
        List<Example> examples = DataFiles.read(csv, labels);
        Splits.TrainValidation split = Splits.split(examples, 0.2, 42);

        BertTokenizer tokenizer = BertTokenizer.fromModelDir(baseModel);
        tokenizer = tokenizer.withOptions(tokenizer.options().withMaxLength(64));
        // A plain encoder gets a fresh classification head for these labels, initialised from seed 42;
        // -1 keeps the config's dropout.
        BertForSequenceClassification model =
                BertCheckpoint.loadClassifier(baseModel, labels.names(), 42, -1).model();

        // The model card's recipe (AdamW 0.9/0.999/1e-8, linear decay, clip 1.0, seed 42) with a few changes.
        TrainingArguments args = TrainingArguments.builder(output)
                .learningRate(1e-4)
                .batchSizes(16, 32)
                .warmupRatio(0.1)       // warm up over the first 10% of the steps
                .intervals(1_000, 5)    // evaluate every 1,000 steps (and at the end), log every 5
                .build();
        TrainerListener progress = new TrainerListener() {
            @Override
            public void onEvaluation(long step, double epoch, double trainingLoss, ClassificationMetrics m) {
                System.out.printf("step %d: validation accuracy %.3f, F1 %.3f%n", step, m.accuracy(), m.f1());
            }
        };
        Trainer trainer = new Trainer(model, args,
                new Batcher(split.train(), tokenizer, args.batchSize()),
                new Batcher(split.validation(), tokenizer, args.evalBatchSize()),
                baseModel, // tokenizer files are copied from here into every saved model
                progress);
        Trainer.Result result = trainer.train(false); // true: resume from output/checkpoint
        // output/model now holds the fine-tuned model as a Hugging Face directory.
        // snippet:end
        return result;
    }

    /**
     * Fine-tunes and prints the validation metrics.
     *
     * @param args the base model directory, the CSV file, the output directory
     * @throws IOException when the model or the data cannot be read, or the output cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: FineTune BASE_MODEL_DIR DATA.csv OUTPUT_DIR");
            System.exit(2);
        }
        Trainer.Result r = fineTune(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]));
        System.out.printf("%d steps; model in %s%n", r.steps(), Path.of(args[2]).resolve("model"));
    }
}
