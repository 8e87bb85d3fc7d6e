package io.jformer.train;

import io.jformer.autograd.Autocast;
import io.jformer.autograd.Variable;
import io.jformer.bert.BertForSequenceClassification;
import io.jformer.nn.Losses;
import io.jformer.tensor.DType;
import io.jformer.tensor.Workspace;
import io.jformer.train.data.Batch;
import io.jformer.train.optim.AdamW;
import io.jformer.train.optim.GradScaler;
import io.jformer.train.optim.GradientClipping;
import io.jformer.train.optim.LinearSchedule;

/**
 * One optimizer step in the order of Hugging Face's Trainer: backward of each micro-batch's loss divided by
 * the accumulation count, then global-norm clipping, then AdamW at the schedule's rate for this step, then
 * zeroed gradients. Under mixed precision (a {@link GradScaler}) the forward pass runs under {@link Autocast},
 * backward starts from the scaled loss, the gradients are unscaled before clipping, and a step whose gradients
 * overflowed is skipped (the schedule still advances, as in PyTorch and Hugging Face).
 */
final class Updater {

    /** What an optimizer step did. */
    record StepStats(double loss, double gradNorm, double lr, double lossScale, boolean skipped) {
    }

    private final BertForSequenceClassification model;
    private final AdamW optimizer;
    private final LinearSchedule schedule;
    private final double maxGradNorm;
    private final int accumulation;
    private final GradScaler scaler;
    private double pendingLoss;

    /** {@code scaler}: null for F32 training, else mixed precision with this loss scaler. */
    Updater(BertForSequenceClassification model, AdamW optimizer, LinearSchedule schedule, double maxGradNorm,
            int accumulation, GradScaler scaler) {
        this.model = model;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.maxGradNorm = maxGradNorm;
        this.accumulation = accumulation;
        this.scaler = scaler;
    }

    /** Forward and backward of one micro-batch in training mode; gradients add up until {@link #apply}. */
    void accumulate(Batch batch) {
        // Activations and their gradients die with the micro-batch: the workspace hands their memory to the next.
        try (Workspace ignored = Workspace.open()) {
            Batch onDevice = batch.to(model.device());
            model.train(true);
            Variable loss;
            try (Autocast.Scope amp = Autocast.enable(scaler == null ? null : DType.F16)) {
                loss = Losses.crossEntropy(
                        model.forward(onDevice.inputIds(), onDevice.tokenTypeIds(), onDevice.attentionMask()),
                        onDevice.labels());
            }
            // Each micro-batch counts 1/accumulation, so the accumulated gradient is the group's mean.
            Variable share = loss.div(accumulation);
            (scaler == null ? share : scaler.scale(share)).backward();
            pendingLoss += loss.data().item() / accumulation;
        }
    }

    /** Optimizer step number {@code step} (1-based) on the accumulated gradients. */
    StepStats apply(long step) {
        double lr = schedule.rate(step - 1);
        double scale = scaler == null ? 1.0 : scaler.scale();
        boolean skip = false;
        if (scaler != null) {
            scaler.unscale(model.parameters());
            skip = scaler.shouldSkip();
        }
        double gradNorm = Double.NaN;
        if (!skip) {
            gradNorm = GradientClipping.clip(model.parameters(), maxGradNorm);
            optimizer.setLearningRate(lr);
            optimizer.step();
        }
        if (scaler != null) {
            scaler.update(step);
        }
        // Kept and zeroed rather than dropped: the next backward adds into the same buffers.
        model.zeroGrad(false);
        StepStats stats = new StepStats(pendingLoss, gradNorm, lr, scale, skip);
        pendingLoss = 0;
        return stats;
    }
}
