package io.jformer.train.cli;

import io.jformer.bert.BertCheckpoint;
import io.jformer.bert.BertConfig;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.bert.Pretrained;
import io.jformer.train.Trainer;
import io.jformer.train.data.Batcher;
import io.jformer.train.data.DataFiles;
import io.jformer.train.data.Example;
import io.jformer.train.data.Labels;
import io.jformer.train.data.Splits;
import io.jformer.train.metrics.ClassificationMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jformer eval}: accuracy, F1, precision, recall and loss of a saved classifier on a split. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a fine-tuned classifier (a train output's model/ directory) on labelled data.")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "A classifier directory (e.g. runs/default/model).")
    Path model;
    @Option(names = "--data", description = "Labelled data file or folder (default: IMDB test).")
    Path data;
    @Option(names = "--eval-samples", description = "Use a seeded subset of this many examples.")
    Integer samples;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--max-length", defaultValue = "512") int maxLength;
    @Option(names = "--truncation", defaultValue = "head") String truncation;
    @Option(names = "--eval-batch-size", defaultValue = "16") int batchSize;
    @Option(names = "--output", description = "Also write the metrics as JSON to this file.") Path output;
    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        io.jformer.tensor.Device device = common.apply();
        Labels labels = new Labels(BertConfig.read(model.resolve("config.json")).id2label());
        List<Example> examples = data != null ? DataFiles.read(data, labels)
                : DataFiles.readImdbNpm(ArtifactStore.imdbReviews(), DataFiles.ImdbSplit.TEST);
        if (samples != null) {
            examples = Splits.sample(examples, samples, seed);
        }
        Pretrained<BertForSequenceClassification> loaded = BertCheckpoint.loadClassifier(model, null, seed, -1);
        Report.loaded(model, loaded);
        loaded.model().to(device);
        ClassificationMetrics m = Trainer.evaluate(loaded.model(),
                new Batcher(examples, Tokenizers.forModel(model, maxLength, truncation), batchSize));
        System.out.printf("accuracy %.4f  F1 %.4f  precision %.4f  recall %.4f  loss %.4f  (%d examples)%n",
                m.accuracy(), m.f1(), m.precision(), m.recall(), m.loss(), m.count());
        if (output != null) {
            BertCheckpoint.writeAtomically(output, Report.metrics(m).toPrettyString());
        }
        return 0;
    }
}
