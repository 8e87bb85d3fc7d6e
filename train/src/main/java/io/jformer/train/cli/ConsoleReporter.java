package io.jformer.train.cli;

import io.jformer.train.TrainerListener;
import io.jformer.train.metrics.ClassificationMetrics;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Prints a run the way the model card shows it: a progress bar (ETA, seq/s, loss) on standard error and,
 * after each evaluation, a row of the card's table (training loss, epoch, step, validation loss, accuracy, F1)
 * on standard output.
 */
final class ConsoleReporter implements TrainerListener, AutoCloseable {

    private final PrintStream out = System.out;
    private ProgressBar bar;
    private boolean headerPrinted;

    @Override
    public void onStart(long totalSteps, long startStep) {
        bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(totalSteps).startsFrom(startStep,
                        java.time.Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate().build();
    }

    @Override
    public void onStep(long step, double epoch, double loss, double seqPerSecond) {
        bar.stepTo(step);
        bar.setExtraMessage(String.format(" %.1f seq/s, loss %.4f", seqPerSecond, loss));
    }

    @Override
    public void onEvaluation(long step, double epoch, double trainingLoss, ClassificationMetrics m) {
        if (!headerPrinted) {
            out.printf("%n| %13s | %6s | %6s | %15s | %8s | %6s |%n", "Training Loss", "Epoch", "Step",
                    "Validation Loss", "Accuracy", "F1");
            out.printf("|%s|%s|%s|%s|%s|%s|%n", "-".repeat(15), "-".repeat(8), "-".repeat(8), "-".repeat(17),
                    "-".repeat(10), "-".repeat(8));
            headerPrinted = true;
        }
        out.printf("| %13.4f | %6.2f | %6d | %15.4f | %8.4f | %6.4f |%n", trainingLoss, epoch, step, m.loss(),
                m.accuracy(), m.f1());
        out.flush();
    }

    @Override
    public void onCheckpoint(long step, Path dir) {
        bar.setExtraMessage(" checkpoint written at step " + step);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
