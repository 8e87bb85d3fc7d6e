package io.jformer.nn;

import io.jformer.autograd.Variable;
import io.jformer.tensor.DType;
import io.jformer.tensor.Device;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A building block with named parameters and named sub-modules. Names join with dots into Hugging Face
 * state-dict keys ({@code encoder.layer.0.attention.self.query.weight}), so a tree built from modules loads
 * and saves Hugging Face checkpoints by name.
 *
 * <p>Subclasses register everything in their constructor with {@link #parameter} and {@link #child}, then
 * define their own {@code forward}. A module is not thread-safe for training; for inference under
 * {@code GradMode.noGrad()} one module may serve several threads.
 */
public abstract class Module {

    private final Map<String, Variable> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Registers a trainable parameter under {@code name} (no dots) and returns it. */
    protected final Variable parameter(String name, Tensor initial) {
        checkName(name);
        Variable p = Variable.parameter(initial);
        parameters.put(name, p);
        return p;
    }

    /** Registers a sub-module under {@code name} (no dots) and returns it. */
    protected final <M extends Module> M child(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("bad module or parameter name '" + name + "': must be non-empty, without dots");
        }
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("name '" + name + "' registered twice in " + getClass().getSimpleName());
        }
    }

    /** Every parameter of this module and its descendants, by dotted name, in registration order. */
    public final Map<String, Variable> namedParameters() {
        Map<String, Variable> out = new LinkedHashMap<>();
        collect("", out);
        return Collections.unmodifiableMap(out);
    }

    private void collect(String prefix, Map<String, Variable> out) {
        parameters.forEach((name, p) -> out.put(prefix + name, p));
        children.forEach((name, m) -> m.collect(prefix + name + ".", out));
    }

    /** Every parameter, in the order of {@link #namedParameters()}. */
    public final List<Variable> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** The direct sub-modules by name. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Total number of parameter elements. */
    public final long parameterCount() {
        long n = 0;
        for (Variable p : namedParameters().values()) {
            n += p.data().numel();
        }
        return n;
    }

    /** The parameter values by name (the tensors themselves, not copies). */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        namedParameters().forEach((name, p) -> out.put(name, p.data()));
        return out;
    }

    /**
     * Copies matching tensors into the parameters (converted to F32 and to each parameter's device) and
     * reports, as Hugging Face does, which parameters got no value and which entries matched no parameter.
     * A tensor whose shape differs from its parameter's is an error naming the key and both shapes.
     */
    public final LoadReport loadStateDict(Map<String, Tensor> state) {
        Map<String, Variable> params = namedParameters();
        Set<String> missing = new TreeSet<>();
        Set<String> unexpected = new TreeSet<>(state.keySet());
        for (Map.Entry<String, Variable> e : params.entrySet()) {
            Tensor value = state.get(e.getKey());
            if (value == null) {
                missing.add(e.getKey());
                continue;
            }
            unexpected.remove(e.getKey());
            Variable p = e.getValue();
            if (!value.shape().equals(p.shape())) {
                throw new ShapeMismatchException("parameter " + e.getKey() + ": checkpoint has shape " + value.shape()
                        + " but the model expects " + p.shape());
            }
            Tensor converted = value.to(DType.F32).to(p.data().device());
            // Copy rather than share, as PyTorch does: in-place updates must not leak into the caller's tensors.
            p.setData(converted == value ? value.copy() : converted.contiguous());
        }
        return new LoadReport(List.copyOf(missing), List.copyOf(unexpected));
    }

    /** Sets training mode (dropout active) here and in every descendant. */
    public void train(boolean on) {
        training = on;
        children.values().forEach(m -> m.train(on));
    }

    /** Inference mode: same as {@code train(false)}. */
    public final void eval() {
        train(false);
    }

    /** Whether the module is in training mode (dropout active). */
    public final boolean isTraining() {
        return training;
    }

    /** The device of the parameters (the CPU for a module without any). */
    public final Device device() {
        for (Variable p : namedParameters().values()) {
            return p.data().device();
        }
        return Device.CPU;
    }

    /**
     * Moves every parameter to {@code device}. The copies outlive any {@link io.jformer.tensor.Workspace} open
     * around the call (parameters are never a step's scratch memory).
     */
    public Module to(Device device) {
        for (Variable p : namedParameters().values()) {
            p.setData(io.jformer.tensor.Workspace.untracked(() -> p.data().to(device)));
        }
        return this;
    }

    /** Clears every parameter's gradient. */
    public final void zeroGrad() {
        namedParameters().values().forEach(Variable::zeroGrad);
    }

    /**
     * PyTorch's {@code zero_grad(set_to_none)}: with false, every gradient buffer is zeroed in place and kept, so
     * a training loop allocates no gradient memory after its first step.
     */
    public final void zeroGrad(boolean setToNone) {
        namedParameters().values().forEach(p -> p.zeroGrad(setToNone));
    }
}
