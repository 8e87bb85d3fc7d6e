package io.jformer.train;

import io.jformer.autograd.Autocast;
import io.jformer.autograd.GradMode;
import io.jformer.autograd.Variable;
import io.jformer.bert.BertCheckpoint;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.nn.Losses;
import io.jformer.tensor.DType;
import io.jformer.tensor.Generator;
import io.jformer.tensor.Reduction;
import io.jformer.tensor.Workspace;
import io.jformer.train.data.Batch;
import io.jformer.train.data.Batcher;
import io.jformer.train.metrics.ClassificationMetrics;
import io.jformer.train.optim.AdamW;
import io.jformer.train.optim.GradScaler;
import io.jformer.train.optim.LinearSchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Fine-tunes a sequence classifier with the Hugging Face Trainer's loop: micro-batches accumulated into
 * optimizer steps, global-norm clipping, AdamW, a linear schedule stepped after each update, evaluation every
 * {@code evalSteps}, and a resumable checkpoint after each evaluation (and when asked to stop).
 *
 * <p>With the same seed and thread count a run is bit-for-bit repeatable, and a resumed run ends with exactly
 * the weights of an uninterrupted one: the batch order of an epoch is rebuilt from the seed, and the
 * checkpoint holds the optimizer moments, the step, the position in the epoch and the dropout generator's
 * position.
 */
public final class Trainer {

    /** How a run ended. */
    public record Result(long steps, boolean interrupted, ClassificationMetrics lastEvaluation) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final BertForSequenceClassification model;
    private final TrainingArguments args;
    private final Batcher train;
    private final Batcher eval;
    private final Path tokenizerSource;
    private final TrainerListener listener;
    private volatile boolean stopRequested;
    private final CountDownLatch stopped = new CountDownLatch(1);

    /**
     * A trainer for {@code model}.
     *
     * @param model           the classifier to train, in place
     * @param args            hyper-parameters and the output directory
     * @param train           the training batches
     * @param eval            the validation batches, or null to skip evaluation
     * @param tokenizerSource a directory whose tokenizer files are copied into every saved model, or null
     * @param listener        progress callbacks, or null
     */
    public Trainer(BertForSequenceClassification model, TrainingArguments args, Batcher train, Batcher eval,
                   Path tokenizerSource, TrainerListener listener) {
        this.model = model;
        this.args = args;
        this.train = train;
        this.eval = eval;
        this.tokenizerSource = tokenizerSource;
        this.listener = listener == null ? new TrainerListener() { } : listener;
    }

    /** Directory of the resumable checkpoint. */
    public Path checkpointDir() {
        return args.output().resolve("checkpoint");
    }

    /** Optimizer steps of the whole run. */
    public long totalSteps() {
        long perEpoch = (train.batchesPerEpoch() + args.gradientAccumulationSteps() - 1) / args.gradientAccumulationSteps();
        return perEpoch * args.epochs();
    }

    /**
     * Asks the run to stop at the next optimizer step, after writing a checkpoint (Ctrl-C); returns once it
     * has, or after {@code timeoutSeconds}.
     */
    public boolean stopAndWait(long timeoutSeconds) throws InterruptedException {
        requestStop();
        return stopped.await(timeoutSeconds, TimeUnit.SECONDS);
    }

    /** Asks the run to checkpoint and stop at the next optimizer step, without waiting (safe from a listener). */
    public void requestStop() {
        stopRequested = true;
    }

    /** Runs training from the start, or from the last checkpoint when {@code resume} and one exists. */
    public Result train(boolean resume) throws IOException {
        try {
            return run(resume);
        } finally {
            stopped.countDown();
        }
    }

    private Result run(boolean resume) throws IOException {
        Files.createDirectories(args.output());
        long total = totalSteps();
        LinearSchedule schedule = args.warmupSteps() > 0
                ? new LinearSchedule(args.learningRate(), args.warmupSteps(), total)
                : LinearSchedule.withWarmupRatio(args.learningRate(), args.warmupRatio(), total);
        AdamW optimizer = new AdamW(model.namedParameters(), args.learningRate(), args.adam());
        TrainerState state = TrainerState.start();
        Path from = resume ? Checkpoints.resolve(checkpointDir()) : null;
        if (from != null) {
            state = Checkpoints.restore(from, model, optimizer);
        }
        Generator dropout = model.dropoutGenerator();
        dropout.setCounter(state.dropoutCounter());
        int accum = args.gradientAccumulationSteps();
        int batches = train.batchesPerEpoch();
        GradScaler scaler = null;
        if (args.amp()) {
            scaler = new GradScaler();
            if (from != null) {
                scaler.restore(state.lossScale(), state.lossScaleCleanSteps());
            }
        }
        Updater updater = new Updater(model, optimizer, schedule, args.maxGradNorm(), accum, scaler);
        int scaleChangesLogged = 0;
        listener.onStart(total, state.globalStep());
        LOG.info("training {} parameters for {} optimizer steps ({} examples, batch {}, {} epochs){}",
                model.parameterCount(), total, train.exampleCount(), args.batchSize(), args.epochs(),
                from != null ? ", resuming at step " + state.globalStep() + " from " + from : "");

        ClassificationMetrics last = null;
        Window logWindow = new Window();
        Window evalWindow = new Window();
        try (TrainingLog log = new TrainingLog(args.logPath(), from != null)) {
            for (int epoch = state.epoch(); epoch < args.epochs(); epoch++) {
                int[] order = train.order(args.seed(), epoch, args.shuffle(), args.groupByLength());
                int first = epoch == state.epoch() ? state.batchInEpoch() : 0;
                for (int b = first; b < batches; b++) {
                    Batch batch = train.batch(order, b);
                    updater.accumulate(batch);
                    logWindow.addBatch(batch);
                    boolean boundary = (b + 1) % accum == 0 || b + 1 == batches;
                    if (!boundary) {
                        continue;
                    }
                    long step = state.globalStep() + 1;
                    Updater.StepStats stats = updater.apply(step);
                    double stepLoss = stats.loss();
                    double epochProgress = epoch + (b + 1.0) / batches;
                    boolean epochDone = b + 1 == batches;
                    state = state.next(step, epochDone ? epoch + 1 : epoch, epochDone ? 0 : b + 1, dropout.counter(),
                            scaler == null ? 1.0 : scaler.scale(), scaler == null ? 0 : scaler.cleanSteps());
                    if (scaler != null) {
                        List<GradScaler.ScaleChange> changes = scaler.history();
                        for (; scaleChangesLogged < changes.size(); scaleChangesLogged++) {
                            GradScaler.ScaleChange c = changes.get(scaleChangesLogged);
                            LOG.info("step {}: loss scale {} ({})", c.step(), c.scale(), c.reason());
                        }
                    }
                    logWindow.addStep(stepLoss);
                    evalWindow.addStep(stepLoss);
                    listener.onStep(step, epochProgress, stepLoss, logWindow.seqPerSecond());
                    if (LOG.isDebugEnabled()) {
                        LOG.debug(String.format(java.util.Locale.ROOT,
                                "step %d/%d epoch %.2f loss %.4f lr %.3g grad norm %.3f", step, total, epochProgress,
                                stepLoss, stats.lr(), stats.gradNorm()));
                    }
                    if (step % args.loggingSteps() == 0 || step == total) {
                        log.train(new TrainingLog.TrainRow(step, epochProgress, logWindow.meanLoss(), stats.lr(),
                                stats.gradNorm(), stats.lossScale(), logWindow.seqPerSecond(),
                                logWindow.tokensPerSecond()));
                        logWindow.reset();
                    }
                    boolean evaluateNow = step % args.evalSteps() == 0 || step == total;
                    if (evaluateNow && eval != null) {
                        last = evaluate(eval);
                        log.eval(new TrainingLog.EvalRow(step, epochProgress, last.loss(), last.accuracy(), last.f1(),
                                last.precision(), last.recall()));
                        listener.onEvaluation(step, epochProgress, evalWindow.meanLoss(), last);
                        LOG.info(String.format(java.util.Locale.ROOT,
                                "step %d: validation loss %.4f, accuracy %.4f, F1 %.4f", step, last.loss(),
                                last.accuracy(), last.f1()));
                        evalWindow.reset();
                        if (last.accuracy() > state.bestAccuracy()) {
                            state = state.withBest(last.accuracy(), step);
                            saveModel(args.output().resolve("best"));
                        }
                        LossPlot.write(args.output().resolve("training.png"), log.trainRows(), log.evalRows());
                    }
                    if (evaluateNow || stopRequested) {
                        Checkpoints.save(checkpointDir(), model, optimizer, state, tokenizerSource);
                        listener.onCheckpoint(step, checkpointDir());
                        LOG.debug("step {}: checkpoint written to {}", step, checkpointDir());
                    }
                    if (stopRequested) {
                        LOG.info("stopped at step {} on request; resume from {}", step, checkpointDir());
                        return new Result(step, true, last);
                    }
                }
            }
            LossPlot.write(args.output().resolve("training.png"), log.trainRows(), log.evalRows());
        }
        saveModel(args.output().resolve("model"));
        LOG.info("training done after {} steps; model written to {}", state.globalStep(), args.output().resolve("model"));
        return new Result(state.globalStep(), false, last);
    }

    /** Step losses and throughput since the window was last reset (one for the log, one between evaluations). */
    private static final class Window {
        private double lossSum;
        private int steps;
        private int sequences;
        private long tokens;
        private long start = System.nanoTime();

        void addBatch(Batch batch) {
            sequences += batch.size();
            tokens += batch.realTokens();
        }

        void addStep(double loss) {
            lossSum += loss;
            steps++;
        }

        double meanLoss() {
            return lossSum / Math.max(1, steps);
        }

        double seqPerSecond() {
            return sequences / seconds();
        }

        double tokensPerSecond() {
            return tokens / seconds();
        }

        private double seconds() {
            return Math.max((System.nanoTime() - start) / 1e9, 1e-9);
        }

        void reset() {
            lossSum = 0;
            steps = 0;
            sequences = 0;
            tokens = 0;
            start = System.nanoTime();
        }
    }

    /** Writes the current model as a Hugging Face directory, swapped into place whole. */
    private void saveModel(Path dir) throws IOException {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        Checkpoints.deleteTree(tmp);
        BertCheckpoint.save(model, tmp, tokenizerSource);
        Checkpoints.deleteTree(dir);
        Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Accuracy, F1, precision, recall and mean loss on {@code data}, without dropout or gradients. */
    public ClassificationMetrics evaluate(Batcher data) {
        // Under mixed precision evaluation multiplies in F16 too, as Hugging Face's Trainer does with fp16=True.
        try (Autocast.Scope amp = Autocast.enable(args.amp() ? DType.F16 : null)) {
            return evaluate(model, data);
        }
    }

    /** As {@link #evaluate(Batcher)}, for any classifier. */
    public static ClassificationMetrics evaluate(BertForSequenceClassification model, Batcher data) {
        boolean wasTraining = model.isTraining();
        model.eval();
        ClassificationMetrics m = new ClassificationMetrics(model.config().numLabels());
        int[] order = data.order(0, 0, false, false);
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (int b = 0; b < data.batchesPerEpoch(); b++) {
                try (Workspace ws = Workspace.open()) {
                    Batch batch = data.batch(order, b).to(model.device());
                    Variable logits = model.forward(batch.inputIds(), batch.tokenTypeIds(), batch.attentionMask());
                    float lossSum = Losses.crossEntropy(logits, batch.labels(), -100, Reduction.SUM).data().item();
                    m.add(batch.labels().toLongArray(), logits.data().argmax(-1, false).toLongArray(), lossSum);
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return m;
    }
}
