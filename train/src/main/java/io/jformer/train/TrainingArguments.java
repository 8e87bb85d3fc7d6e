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
 * @param amp          fp16 mixed precision: products under {@link io.jformer.autograd.Autocast}, the loss scaled
 *                     by a {@link io.jformer.train.optim.GradScaler} (fast on a GPU's tensor cores; on the CPU the
 *                     same numerics, at F32 speed)
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
        Path logFile,
        boolean amp) {

    /** Checks that the rate is positive and the sizes, epochs and step intervals are at least 1. */
    public TrainingArguments {
        positive("learning rate", learningRate);
        positive("batch size", batchSize);
        positive("eval batch size", evalBatchSize);
        positive("epochs", epochs);
        positive("gradient accumulation steps", gradientAccumulationSteps);
        positive("eval steps", evalSteps);
        positive("logging steps", loggingSteps);
        if (warmupSteps < 0 || !(warmupRatio >= 0 && warmupRatio < 1) || !(maxGradNorm > 0)) {
            throw new IllegalArgumentException("warm-up steps " + warmupSteps + " and ratio " + warmupRatio
                    + " must be non-negative (ratio below 1), max gradient norm " + maxGradNorm + " positive");
        }
        if (output == null) {
            throw new IllegalArgumentException("an output directory is required");
        }
    }

    private static void positive(String what, double value) {
        if (!(value > 0)) {
            throw new IllegalArgumentException(what + " must be positive, got " + value);
        }
    }

    /** The model card's recipe, writing to {@code output}. */
    public static TrainingArguments card(Path output) {
        return builder(output).build();
    }

    /** A builder starting from the model card's recipe, writing to {@code output}. */
    public static Builder builder(Path output) {
        return new Builder(output);
    }

    /** Named settings over the card's defaults, for code that changes a few of them. */
    public static final class Builder {
        private final Path output;
        private double learningRate = 2e-5;
        private int batchSize = 16;
        private int evalBatchSize = 16;
        private int epochs = 3;
        private long seed = 42;
        private AdamW.Hyper adam = AdamW.Hyper.DEFAULTS;
        private long warmupSteps;
        private double warmupRatio;
        private double maxGradNorm = 1.0;
        private int evalSteps = 750;
        private int loggingSteps = 50;
        private int gradientAccumulationSteps = 1;
        private boolean shuffle = true;
        private boolean groupByLength;
        private Path logFile;
        private boolean amp;

        private Builder(Path output) {
            this.output = output;
        }

        /** Peak learning rate (default 2e-5). */
        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        /** Training and evaluation batch sizes (default 16 and 16). */
        public Builder batchSizes(int train, int eval) {
            batchSize = train;
            evalBatchSize = eval;
            return this;
        }

        /** Passes over the training data (default 3). */
        public Builder epochs(int v) {
            epochs = v;
            return this;
        }

        /** Seed of the data order (default 42). */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** AdamW's betas, epsilon and weight decay (default 0.9, 0.999, 1e-8, 0). */
        public Builder adam(AdamW.Hyper v) {
            adam = v;
            return this;
        }

        /** Warm-up in steps (default 0). */
        public Builder warmupSteps(long v) {
            warmupSteps = v;
            return this;
        }

        /** Warm-up as a fraction of all steps, used when warm-up steps are 0 (default 0). */
        public Builder warmupRatio(double v) {
            warmupRatio = v;
            return this;
        }

        /** Global gradient-norm clip (default 1.0). */
        public Builder maxGradNorm(double v) {
            maxGradNorm = v;
            return this;
        }

        /** Evaluate and checkpoint every {@code eval} steps, log every {@code logging} steps (default 750, 50). */
        public Builder intervals(int eval, int logging) {
            evalSteps = eval;
            loggingSteps = logging;
            return this;
        }

        /** Micro-batches per optimizer step (default 1). */
        public Builder gradientAccumulationSteps(int v) {
            gradientAccumulationSteps = v;
            return this;
        }

        /** Shuffle each epoch (default true) and batch similar lengths together (default false). */
        public Builder ordering(boolean shuffleEachEpoch, boolean byLength) {
            shuffle = shuffleEachEpoch;
            groupByLength = byLength;
            return this;
        }

        /** JSON-lines log file (default {@code output/log.jsonl}). */
        public Builder logFile(Path v) {
            logFile = v;
            return this;
        }

        /** fp16 mixed precision with dynamic loss scaling (default false). */
        public Builder amp(boolean v) {
            amp = v;
            return this;
        }

        public TrainingArguments build() {
            return new TrainingArguments(learningRate, batchSize, evalBatchSize, epochs, seed, adam, warmupSteps,
                    warmupRatio, maxGradNorm, evalSteps, loggingSteps, gradientAccumulationSteps, shuffle,
                    groupByLength, output, logFile, amp);
        }
    }

    /** The JSON-lines log: {@code logFile}, or {@code output/log.jsonl} when that is null. */
    public Path logPath() {
        return logFile != null ? logFile : output.resolve("log.jsonl");
    }
}
