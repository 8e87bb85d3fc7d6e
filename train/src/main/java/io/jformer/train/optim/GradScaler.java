package io.jformer.train.optim;

import io.jformer.autograd.Variable;
import io.jformer.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Dynamic loss scaling for fp16 mixed precision, with PyTorch's {@code torch.cuda.amp.GradScaler} behaviour:
 * the loss is multiplied by the scale (initially 2^16) before backward so small fp16 gradients do not flush
 * to zero; gradients are divided by it before clipping and the optimizer step; a step whose gradients hold an
 * inf or NaN is skipped and the scale halved; after {@code growthInterval} (2000) clean steps in a row the
 * scale doubles. Every change is kept in {@link #history()} for the training log.
 */
public final class GradScaler {

    /** One update of the scale: the optimizer step it followed, the scale after it, and why it changed. */
    public record ScaleChange(long step, double scale, String reason) {
    }

    private final double growthFactor;
    private final double backoffFactor;
    private final int growthInterval;
    private double scale;
    private int cleanSteps;
    private boolean foundInf;
    private boolean unscaled;
    private final List<ScaleChange> history = new ArrayList<>();

    /** PyTorch's defaults: scale 2^16, ×2 after 2000 clean steps, ×0.5 on overflow. */
    public GradScaler() {
        this(65536.0, 2.0, 0.5, 2000);
    }

    /**
     * A scaler starting at {@code initScale} that multiplies the scale by {@code growthFactor} after {@code
     * growthInterval} clean steps in a row and by {@code backoffFactor} after a step with an inf or NaN gradient.
     */
    public GradScaler(double initScale, double growthFactor, double backoffFactor, int growthInterval) {
        if (initScale <= 0 || growthFactor <= 1 || backoffFactor <= 0 || backoffFactor >= 1 || growthInterval < 1) {
            throw new IllegalArgumentException("bad GradScaler settings: scale " + initScale + ", growth " + growthFactor
                    + ", backoff " + backoffFactor + ", interval " + growthInterval);
        }
        this.scale = initScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
    }

    /** The current scale. */
    public double scale() {
        return scale;
    }

    /** The loss multiplied by the current scale, to call {@code backward()} on. */
    public Variable scale(Variable loss) {
        return loss.mul(scale);
    }

    /**
     * Divides every gradient by the scale (once per step) and records whether any is inf or NaN. Call before
     * clipping, so the clip sees true gradient norms.
     */
    public void unscale(Collection<Variable> params) {
        if (unscaled) {
            throw new IllegalStateException("unscale called twice before update()");
        }
        unscaled = true;
        // In place, so the gradient buffers a training loop keeps stay the same buffers; one check for all.
        List<Tensor> grads = GradientClipping.gradients(params);
        if (!grads.isEmpty() && grads.get(0).backend().unscaleAndCheckFinite(grads, 1.0 / scale)) {
            foundInf = true;
        }
    }

    /** Whether the gradients of this step held an inf or NaN: then the optimizer step must be skipped. */
    public boolean shouldSkip() {
        if (!unscaled) {
            throw new IllegalStateException("call unscale(params) before deciding on the step");
        }
        return foundInf;
    }

    /**
     * PyTorch's {@code scaler.step(optimizer)}: unscales the gradients unless {@link #unscale} already did this
     * step, then runs {@code optimizerStep} only if none is inf or NaN. Returns whether it ran; call
     * {@link #update} after it either way.
     */
    public boolean step(Collection<Variable> params, Runnable optimizerStep) {
        if (!unscaled) {
            unscale(params);
        }
        if (foundInf) {
            return false;
        }
        optimizerStep.run();
        return true;
    }

    /** Adjusts the scale after optimizer step {@code step} (taken or skipped). */
    public void update(long step) {
        if (!unscaled) {
            throw new IllegalStateException("update() without unscale(params) in this step");
        }
        if (foundInf) {
            scale *= backoffFactor;
            cleanSteps = 0;
            history.add(new ScaleChange(step, scale, "inf/NaN gradients: step skipped, scale backed off"));
        } else if (++cleanSteps == growthInterval) {
            scale *= growthFactor;
            cleanSteps = 0;
            history.add(new ScaleChange(step, scale, growthInterval + " clean steps: scale grown"));
        }
        foundInf = false;
        unscaled = false;
    }

    /** Every change of the scale so far. */
    public List<ScaleChange> history() {
        return List.copyOf(history);
    }

    /** Clean steps since the last change (saved with checkpoints so a resumed run grows on time). */
    public int cleanSteps() {
        return cleanSteps;
    }

    /** Restores the state saved from {@link #scale()} and {@link #cleanSteps()}. */
    public void restore(double savedScale, int savedCleanSteps) {
        this.scale = savedScale;
        this.cleanSteps = savedCleanSteps;
    }
}
