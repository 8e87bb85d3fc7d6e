package io.jformer.train.optim;

import io.jformer.autograd.Variable;
import io.jformer.tensor.AdamWStep;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.Workspace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with the Hugging Face Trainer's semantics: bias-corrected moments, decoupled weight decay that skips
 * biases and LayerNorm weights, and a learning rate set from outside (by a schedule) before each step.
 * Parameters without a gradient in a step are left alone, as in PyTorch.
 */
public final class AdamW {

    /** Adam's coefficients and the decay; the defaults are the Trainer's. */
    public record Hyper(double beta1, double beta2, double eps, double weightDecay) {
        /** β1 0.9, β2 0.999, ε 1e-8, no weight decay. */
        public static final Hyper DEFAULTS = new Hyper(0.9, 0.999, 1e-8, 0.0);
    }

    private final Map<String, Variable> params;
    private final Hyper hyper;
    private final Map<String, Tensor> expAvg = new LinkedHashMap<>();
    private final Map<String, Tensor> expAvgSq = new LinkedHashMap<>();
    private long step;
    private double lr;

    /**
     * An optimizer over {@code namedParams} (e.g. {@code model.namedParameters()}); the names decide which
     * parameters get weight decay (see {@link #decays}).
     */
    public AdamW(Map<String, Variable> namedParams, double lr, Hyper hyper) {
        this.params = new LinkedHashMap<>(namedParams);
        this.lr = lr;
        this.hyper = hyper;
    }

    /** Biases and LayerNorm weights get no weight decay (the Trainer's {@code get_decay_parameter_names}). */
    public static boolean decays(String name) {
        return !(name.endsWith(".bias") || name.contains("LayerNorm.") || name.contains("layer_norm."));
    }

    /** Sets the rate for the next {@link #step()} (a schedule calls this before every step). */
    public void setLearningRate(double lr) {
        this.lr = lr;
    }

    /** The rate the next {@link #step()} uses. */
    public double learningRate() {
        return lr;
    }

    /** Optimizer steps taken so far. */
    public long stepCount() {
        return step;
    }

    /** Applies one update to every parameter that has a gradient. */
    public void step() {
        step++;
        params.forEach((name, p) -> {
            Tensor g = p.grad();
            if (g == null) {
                return;
            }
            Tensor m = expAvg.computeIfAbsent(name, k -> zerosLike(p.data()));
            Tensor v = expAvgSq.computeIfAbsent(name, k -> zerosLike(p.data()));
            AdamWStep h = new AdamWStep(lr, hyper.beta1(), hyper.beta2(), hyper.eps(),
                    decays(name) ? hyper.weightDecay() : 0.0, step);
            Tensor data = p.data().contiguous();
            data.backend().adamwStep(data, g.contiguous(), m, v, h);
            if (data != p.data()) {
                p.setData(data);
            }
        });
    }

    /** Moments live as long as the optimizer: never memory of a Workspace the step may run in. */
    private static Tensor zerosLike(Tensor t) {
        return Workspace.untracked(() -> Tensor.full(t.shape(), 0, io.jformer.tensor.DType.F32, t.device()));
    }

    /** Moments by parameter name ({@code NAME.exp_avg}, {@code NAME.exp_avg_sq}), for checkpoints. */
    public Map<String, Tensor> stateTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        expAvg.forEach((k, v) -> out.put(k + ".exp_avg", v));
        expAvgSq.forEach((k, v) -> out.put(k + ".exp_avg_sq", v));
        return out;
    }

    /** Restores {@link #stateTensors()} and the step count saved from a checkpoint. */
    public void restore(Map<String, Tensor> state, long stepCount) {
        expAvg.clear();
        expAvgSq.clear();
        List<String> unknown = new ArrayList<>();
        state.forEach((key, value) -> {
            String name = key.replaceAll("\\.exp_avg(_sq)?$", "");
            Variable p = params.get(name);
            if (p == null) {
                unknown.add(key);
                return;
            }
            Shape expected = p.shape();
            if (!value.shape().equals(expected)) {
                throw new io.jformer.tensor.ShapeMismatchException("optimizer state " + key + " has shape "
                        + value.shape() + " but parameter " + name + " has shape " + expected);
            }
            Tensor copy = value.to(p.data().device()).copy();
            (key.endsWith("_sq") ? expAvgSq : expAvg).put(name, copy);
        });
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("optimizer state for unknown parameters: " + unknown);
        }
        this.step = stepCount;
    }
}
