package io.jformer.train;

import io.jformer.train.metrics.ClassificationMetrics;

/**
 * What a run reports as it goes; the command line prints it, a library user may log it. Every method
 * has an empty default.
 */
public interface TrainerListener {

    /** Before the first step: the total number of optimizer steps and the step the run starts from. */
    default void onStart(long totalSteps, long startStep) {
    }

    /** After each optimizer step. */
    default void onStep(long step, double epoch, double loss, double seqPerSecond) {
    }

    /** After each evaluation; {@code trainingLoss} is the mean step loss since the previous one. */
    default void onEvaluation(long step, double epoch, double trainingLoss, ClassificationMetrics metrics) {
    }

    /** When a checkpoint has been written. */
    default void onCheckpoint(long step, java.nio.file.Path dir) {
    }
}
