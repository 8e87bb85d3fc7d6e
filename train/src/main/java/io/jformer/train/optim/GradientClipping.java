package io.jformer.train.optim;

import io.jformer.autograd.Variable;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.Workspace;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Global-norm gradient clipping ({@code torch.nn.utils.clip_grad_norm_}). */
public final class GradientClipping {

    private GradientClipping() {
    }

    /** The L2 norm of all gradients together (parameters without one count as zero). */
    public static double globalNorm(Collection<Variable> params) {
        List<Tensor> grads = gradients(params);
        return grads.isEmpty() ? 0 : Math.sqrt(grads.get(0).backend().sumOfSquares(grads));
    }

    /** The gradients that exist, in parameter order. */
    static List<Tensor> gradients(Collection<Variable> params) {
        List<Tensor> grads = new ArrayList<>();
        for (Variable p : params) {
            if (p.grad() != null) {
                grads.add(p.grad());
            }
        }
        return grads;
    }

    /**
     * Scales every gradient in place by {@code maxNorm / (norm + 1e-6)} when that is below 1, as PyTorch does,
     * and returns the norm before clipping (what the Trainer logs as {@code grad_norm}).
     */
    public static double clip(Collection<Variable> params, double maxNorm) {
        double norm = globalNorm(params);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            for (Variable p : params) {
                if (p.grad() != null) {
                    try (Workspace ignored = Workspace.open()) {
                        p.grad().copyFrom(p.grad().mul(coef));
                    }
                }
            }
        }
        return norm;
    }
}
