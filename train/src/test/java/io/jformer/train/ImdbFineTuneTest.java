package io.jformer.train;

import io.jformer.bert.BertCheckpoint;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.bert.Converter;
import io.jformer.bert.tokenizer.BertTokenizer;
import io.jformer.train.data.Batcher;
import io.jformer.train.data.DataFiles;
import io.jformer.train.data.Example;
import io.jformer.train.data.Labels;
import io.jformer.train.data.Splits;
import io.jformer.train.metrics.ClassificationMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short real run: all-MiniLM-L6-v2 fine-tuned on 320 IMDB reviews (2 epochs, 128 tokens, lr 2e-4) and tested
 * on 200 others. Chance is 0.5 with a standard error of 0.035 on 200 reviews; this run reaches about 0.72 on
 * 2 threads, so 0.65 (over 4 standard errors above chance) is a clear margin that a broken engine cannot meet.
 * About a minute on 2 cores.
 */
class ImdbFineTuneTest {

    @TempDir
    Path tmp;

    @Test
    void miniLmLearnsImdbSentimentWellAboveChance() throws Exception {
        Path model = tmp.resolve("minilm");
        Converter.convert(Artifacts.miniLmOnnx(), model);
        List<Example> train = Splits.sample(DataFiles.readImdbNpm(Artifacts.imdbReviews(), DataFiles.ImdbSplit.TRAIN),
                320, 42);
        List<Example> test = Splits.sample(DataFiles.readImdbNpm(Artifacts.imdbReviews(), DataFiles.ImdbSplit.TEST),
                200, 42);
        BertForSequenceClassification net = BertCheckpoint.loadClassifier(model, Labels.SENTIMENT.names(), 42, -1)
                .model();
        BertTokenizer tok = BertTokenizer.fromModelDir(model);
        tok = tok.withOptions(tok.options().withMaxLength(128));
        TrainingArguments args = TrainingArguments.builder(tmp.resolve("run")).learningRate(2e-4).epochs(2).build();
        new Trainer(net, args, new Batcher(train, tok, 16), null, model, null).train(false);
        ClassificationMetrics m = Trainer.evaluate(net, new Batcher(test, tok, 16));
        assertTrue(m.accuracy() >= 0.65, "test accuracy " + m.accuracy() + " (F1 " + m.f1() + ")");
    }
}
