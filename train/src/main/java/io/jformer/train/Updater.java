package io.jformer.train;

import io.jformer.autograd.Variable;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.nn.Losses;
import io.jformer.tensor.Workspace;
import io.jformer.train.data.Batch;
import io.jformer.train.optim.AdamW;
import io.jformer.train.optim.GradientClipping;
import io.jformer.train.optim.LinearSchedule;

/**
 * One optimizer step in the order of Hugging Face's Trainer: backward of each micro-batch's loss divided by
 * the accumulation count, then global-norm clipping, then AdamW at the schedule's rate for this step, then
 * zeroed gradients.
 */
final class Updater {

    /** What an optimizer step did. */
    record StepStats(double loss, double gradNorm, double lr) {
    }

    private final BertForSequenceClassification model;
    private final AdamW optimizer;
    private final LinearSchedule schedule;
    private final double maxGradNorm;
    private final int accumulation;
    private double pendingLoss;

    Updater(BertForSequenceClassification model, AdamW optimizer, LinearSchedule schedule, double maxGradNorm,
            int accumulation) {
        this.model = model;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.maxGradNorm = maxGradNorm;
        this.accumulation = accumulation;
    }

    /** Forward and backward of one micro-batch in training mode; gradients add up until {@link #apply}. */
    void accumulate(Batch batch) {
        // Activations and their gradients die with the micro-batch: the workspace hands their memory to the next.
        try (Workspace ignored = Workspace.open()) {
            Batch onDevice = batch.to(model.device());
            model.train(true);
            Variable loss = Losses.crossEntropy(
                    model.forward(onDevice.inputIds(), onDevice.tokenTypeIds(), onDevice.attentionMask()),
                    onDevice.labels());
            // Each micro-batch counts 1/accumulation, so the accumulated gradient is the group's mean.
            loss.div(accumulation).backward();
            pendingLoss += loss.data().item() / accumulation;
        }
    }

    /** Optimizer step number {@code step} (1-based) on the accumulated gradients. */
    StepStats apply(long step) {
        double lr = schedule.rate(step - 1);
        double gradNorm = GradientClipping.clip(model.parameters(), maxGradNorm);
        optimizer.setLearningRate(lr);
        optimizer.step();
        // Kept and zeroed rather than dropped: the next backward adds into the same buffers.
        model.zeroGrad(false);
        StepStats stats = new StepStats(pendingLoss, gradNorm, lr);
        pendingLoss = 0;
        return stats;
    }
}
