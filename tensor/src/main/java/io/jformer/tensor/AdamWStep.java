package io.jformer.tensor;

/**
 * Hyper-parameters of one AdamW update (Loshchilov &amp; Hutter; PyTorch's {@code torch.optim.AdamW}):
 * <pre>
 *   p = p·(1 - lr·wd)            (decoupled weight decay)
 *   m = β1·m + (1-β1)·g          v = β2·v + (1-β2)·g²
 *   p = p - (lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + ε)
 * </pre>
 *
 * @param step the 1-based step number t, for the bias corrections
 */
public record AdamWStep(double lr, double beta1, double beta2, double eps, double weightDecay, long step) {

    /** Checks that {@code step} is at least 1. */
    public AdamWStep {
        if (step < 1) {
            throw new IllegalArgumentException("AdamW step numbers start at 1, got " + step);
        }
    }

    /** Adam's first-moment bias correction {@code 1 - β1^t}. */
    public double biasCorrection1() {
        return 1 - Math.pow(beta1, step);
    }

    /** Adam's second-moment bias correction {@code 1 - β2^t}. */
    public double biasCorrection2() {
        return 1 - Math.pow(beta2, step);
    }
}
