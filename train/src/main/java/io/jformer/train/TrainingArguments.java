package io.jformer.train;

import io.jformer.train.optim.AdamW;

import java.nio.file.Path;

/**
 * Hyper-parameters and run settings, named after Hugging Face's {@code TrainingArguments}. The defaults are
 * the model card's recipe: lr 2e-5, batch 16, 3 epochs, seed 42, AdamW(0.9, 0.999, 1e-8), no weight decay,
 * linear decay without warm-up, gradient clipping at 1.0, evaluation every 750 steps.
 *
 * @param warmupSteps  warm-up in steps; when 0, {@code warmupRatio} of the total is used
 * @param output       the run's directory: checkpoints, the final model, log, metrics and plot
 * @param logFile      JSON-lines log (null: {@code output/log.jsonl})
 */
public record TrainingArguments(
        double learningRate,
        int batchSize,
        int evalBatchSize,
        int epochs,
        long seed,
        AdamW.Hyper adam,
        long warmupSteps,
        double warmupRatio,
        double maxGradNorm,
        int evalSteps,
        int loggingSteps,
        int gradientAccumulationSteps,
        boolean shuffle,
        boolean groupByLength,
        Path output,
        Path logFile) {

    /** Checks that the rate is positive and the sizes, epochs and step intervals are at least 1. */
    public TrainingArguments {
        if (learningRate <= 0 || batchSize < 1 || evalBatchSize < 1 || epochs < 1 || gradientAccumulationSteps < 1
                || evalSteps < 1 || loggingSteps < 1) {
            throw new IllegalArgumentException("invalid training arguments: " + this);
        }
    }

    /** The model card's recipe, writing to {@code output}. */
    public static TrainingArguments card(Path output) {
        return new TrainingArguments(2e-5, 16, 16, 3, 42, AdamW.Hyper.DEFAULTS, 0, 0.0, 1.0, 750, 50, 1, true,
                false, output, null);
    }

    /** The JSON-lines log: {@code logFile}, or {@code output/log.jsonl} when that is null. */
    public Path logPath() {
        return logFile != null ? logFile : output.resolve("log.jsonl");
    }
}
