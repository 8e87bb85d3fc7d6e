package io.jformer.train.cli;

import io.jformer.bert.BertCheckpoint;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.bert.Pretrained;
import io.jformer.bert.tokenizer.BertTokenizer;
import io.jformer.tensor.Device;
import io.jformer.train.Trainer;
import io.jformer.train.TrainingArguments;
import io.jformer.train.data.Batcher;
import io.jformer.train.data.DataFiles;
import io.jformer.train.data.Example;
import io.jformer.train.data.Labels;
import io.jformer.train.data.Splits;
import io.jformer.train.metrics.ClassificationMetrics;
import io.jformer.train.optim.AdamW;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jformer train}: fine-tunes a BERT classifier. Without options it runs the quick default (MiniLM on a
 * seeded IMDB subset, ~15 minutes on 2 cores); {@code --preset card} is the model card's full recipe.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune a BERT sequence classifier (default: all-MiniLM-L6-v2 on a seeded IMDB subset).")
final class TrainCommand implements Callable<Integer> {

    @Option(names = "--preset", defaultValue = "default",
            description = "default (MiniLM, 6,000 reviews, 128 tokens, 1 epoch) or card (bert-base-uncased, all 25,000"
                    + " reviews, 512 tokens, 3 epochs). Explicit options override the preset.")
    String preset;

    @Option(names = "--model", description = "Hugging Face directory or known name (all-minilm-l6-v2, bert-base-uncased, …).")
    String model;
    @Option(names = "--data", description = "Training data: file (csv, tsv, jsonl, imdb reviews.json) or folder; default IMDB train.")
    Path data;
    @Option(names = "--eval-data", description = "Validation data; default: a seeded --validation-split of --data.")
    Path evalData;
    @Option(names = "--test-data", description = "Test data; default: IMDB test (a seeded 1,000 in the default preset).")
    Path testData;
    @Option(names = "--validation-split", defaultValue = "0.1", description = "Fraction of --data held out (0: none).")
    double validationSplit;
    @Option(names = "--output", description = "Output directory (default: runs/<preset>).")
    Path output;

    @Option(names = {"--learning-rate", "--lr"}) Double learningRate;
    @Option(names = "--batch-size") Integer batchSize;
    @Option(names = "--eval-batch-size") Integer evalBatchSize;
    @Option(names = "--epochs") Integer epochs;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--adam-beta1", defaultValue = "0.9") double beta1;
    @Option(names = "--adam-beta2", defaultValue = "0.999") double beta2;
    @Option(names = "--adam-epsilon", defaultValue = "1e-8") double adamEpsilon;
    @Option(names = "--weight-decay", defaultValue = "0") double weightDecay;
    @Option(names = "--warmup-steps", defaultValue = "0") long warmupSteps;
    @Option(names = "--warmup-ratio", defaultValue = "0") double warmupRatio;
    @Option(names = "--max-grad-norm", defaultValue = "1.0") double maxGradNorm;
    @Option(names = "--eval-steps", description = "Evaluate (and checkpoint) every N steps (card: 750, default: 100).")
    Integer evalSteps;
    @Option(names = "--logging-steps", defaultValue = "10", description = "A log row every N steps.")
    int loggingSteps;
    @Option(names = "--gradient-accumulation-steps", defaultValue = "1") int accumulation;
    @Option(names = "--max-length") Integer maxLength;
    @Option(names = "--truncation", defaultValue = "head", description = "head, tail or head+tail.")
    String truncation;
    @Option(names = "--train-samples", description = "Use a seeded subset of this many training examples.")
    Integer trainSamples;
    @Option(names = "--eval-samples", description = "Use a seeded subset of this many validation and test examples.")
    Integer evalSamples;
    @Option(names = "--amp", description = "fp16 mixed precision with dynamic loss scaling (CUDA only).")
    boolean amp;
    @Option(names = "--dropout", description = "Override every dropout probability.") Double dropout;
    @Option(names = "--no-shuffle") boolean noShuffle;
    @Option(names = "--group-by-length", description = "Batch reviews of similar length together.") boolean groupByLength;
    @Option(names = "--resume", description = "Continue from the output directory's last checkpoint.") boolean resume;
    @Option(names = "--log-file", description = "JSON-lines log (default: OUTPUT/log.jsonl).") Path logFile;

    @Mixin
    CommonOptions common;

    /** Preset values for the options a user did not give. */
    private record Preset(String model, int maxLength, double lr, int epochs, Integer trainSamples, Integer evalSamples,
                          int evalSteps) {
    }

    private Preset preset() {
        return switch (preset) {
            case "default" -> new Preset("all-minilm-l6-v2", 128, 5e-5, 1, 6000, 1000, 100);
            case "card" -> new Preset("bert-base-uncased", 512, 2e-5, 3, null, null, 750);
            default -> throw new IllegalArgumentException("unknown preset '" + preset + "': expected default or card");
        };
    }

    @Override
    public Integer call() throws Exception {
        Device device = common.apply();
        if (amp && device.type() == Device.Type.CPU) {
            System.err.println("jformer: --amp needs a CUDA device; training in fp32 on the CPU");
        }
        Preset p = preset();
        Path modelDir = ArtifactStore.model(model != null ? model : p.model());
        Labels labels = Labels.SENTIMENT;
        Integer trainN = trainSamples != null ? trainSamples : p.trainSamples();
        Integer evalN = evalSamples != null ? evalSamples : p.evalSamples();

        List<Example> all = data != null ? DataFiles.read(data, labels)
                : DataFiles.readImdbNpm(ArtifactStore.imdbReviews(), DataFiles.ImdbSplit.TRAIN);
        if (trainN != null) {
            all = Splits.sample(all, trainN, seed);
        }
        List<Example> trainSet = all;
        List<Example> validation = null;
        if (evalData != null) {
            validation = DataFiles.read(evalData, labels);
        } else if (validationSplit > 0) {
            Splits.TrainValidation tv = Splits.split(all, validationSplit, seed);
            trainSet = tv.train();
            validation = tv.validation();
        }
        List<Example> test = testData != null ? DataFiles.read(testData, labels)
                : data == null ? DataFiles.readImdbNpm(ArtifactStore.imdbReviews(), DataFiles.ImdbSplit.TEST) : null;
        if (test != null && evalN != null) {
            test = Splits.sample(test, evalN, seed);
        }

        Pretrained<BertForSequenceClassification> loaded = BertCheckpoint.loadClassifier(modelDir, labels.names(), seed,
                dropout != null ? dropout : -1);
        Report.loaded(modelDir, loaded);
        BertForSequenceClassification net = loaded.model();
        net.to(device);
        int maxLen = maxLength != null ? maxLength : p.maxLength();
        BertTokenizer tokenizer = Tokenizers.forModel(modelDir, maxLen, truncation);

        Path out = output != null ? output : Path.of("runs", preset);
        TrainingArguments args = TrainingArguments.builder(out)
                .learningRate(learningRate != null ? learningRate : p.lr())
                .batchSizes(batchSize != null ? batchSize : 16, evalBatchSize != null ? evalBatchSize : 16)
                .epochs(epochs != null ? epochs : p.epochs())
                .seed(seed)
                .adam(new AdamW.Hyper(beta1, beta2, adamEpsilon, weightDecay))
                .warmupSteps(warmupSteps)
                .warmupRatio(warmupRatio)
                .maxGradNorm(maxGradNorm)
                .intervals(evalSteps != null ? evalSteps : p.evalSteps(), loggingSteps)
                .gradientAccumulationSteps(accumulation)
                .ordering(!noShuffle, groupByLength)
                .logFile(logFile)
                .amp(amp && device.type() != Device.Type.CPU)
                .build();

        System.err.printf("jformer: %s, %d training / %s validation / %s test examples, %d tokens, %d thread(s)%n",
                modelDir.getFileName(), trainSet.size(), validation == null ? "no" : validation.size(),
                test == null ? "no" : test.size(), maxLen, io.jformer.tensor.Backends.cpu().threads());
        Batcher trainBatches = new Batcher(trainSet, tokenizer, args.batchSize());
        Batcher evalBatches = validation == null || validation.isEmpty() ? null
                : new Batcher(validation, tokenizer, args.evalBatchSize());
        ConsoleReporter reporter = new ConsoleReporter();
        Trainer trainer = new Trainer(net, args, trainBatches, evalBatches, modelDir, reporter);
        Thread hook = new Thread(() -> {
            try {
                System.err.println("\njformer: interrupted; writing a checkpoint (resume with --resume) ...");
                trainer.stopAndWait(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        Trainer.Result result;
        long start = System.nanoTime();
        try {
            result = trainer.train(resume);
        } finally {
            reporter.close();
        }
        Runtime.getRuntime().removeShutdownHook(hook);
        if (result.interrupted()) {
            return 130;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        ClassificationMetrics testMetrics = null;
        if (test != null && !test.isEmpty()) {
            System.err.println("jformer: evaluating on " + test.size() + " test examples ...");
            testMetrics = Trainer.evaluate(net, new Batcher(test, tokenizer, args.evalBatchSize()));
        }
        Report.results(out, result, testMetrics, seconds, trainSet.size() * args.epochs());
        return 0;
    }
}
