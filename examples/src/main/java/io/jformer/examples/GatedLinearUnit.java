package io.jformer.examples;

import io.jformer.autograd.Variable;
import io.jformer.nn.Layer;
import io.jformer.nn.Linear;
import io.jformer.nn.Module;
import io.jformer.tensor.Generator;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Tensor;

/**
 * A user-defined module: the gated linear unit of Dauphin et al., {@code (x·Aᵀ + a) ⊙ σ(x·Bᵀ + b)}, built from
 * two {@link Linear} children and one hand-written differentiable op, {@link #gate}, whose backward rule
 * {@code GatedLinearUnitTest} checks with {@code GradCheck}.
 */
// snippet:start glu
public final class GatedLinearUnit extends Module implements Layer {

    private final Linear value;
    private final Linear gate;

    /** Maps {@code in} features to {@code out}; parameters {@code value.*} and {@code gate.*}. */
    public GatedLinearUnit(int in, int out, Generator init) {
        value = child("value", new Linear(in, out, true, init, 0.02));
        gate = child("gate", new Linear(in, out, true, init, 0.02));
    }

    @Override
    public Variable forward(Variable x) {
        return gate(value.forward(x), gate.forward(x));
    }

    /** {@code a ⊙ σ(b)} as one op with its own backward rule (shapes must match). */
    public static Variable gate(Variable a, Variable b) {
        if (!a.shape().equals(b.shape())) {
            throw new ShapeMismatchException("gate: shapes " + a.shape() + " and " + b.shape() + " differ");
        }
        Tensor s = b.data().sigmoid();
        Tensor out = a.data().mul(s);
        return Variable.record("glu_gate", out, g -> new Tensor[]{
                g.mul(s),                                         // d/da = g·σ(b)
                g.mul(a.data()).mul(s).mul(s.neg().add(1))        // d/db = g·a·σ(b)·(1-σ(b))
        }, a, b);
    }
}
// snippet:end
