package io.jformer.autograd;

import io.jformer.tensor.BinaryOp;
import io.jformer.tensor.CompareOp;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.UnaryOp;

/** Elementwise ops and their backward rules. Broadcast inputs get their gradient summed back to their shape. */
final class ElementwiseFunctions {

    private ElementwiseFunctions() {
    }

    static Variable add(Variable a, Variable b) {
        Shape sa = a.shape();
        Shape sb = b.shape();
        return Variable.record("add", a.data().add(b.data()), g -> new Tensor[]{g.sumTo(sa), g.sumTo(sb)}, a, b);
    }

    static Variable sub(Variable a, Variable b) {
        Shape sa = a.shape();
        Shape sb = b.shape();
        return Variable.record("sub", a.data().sub(b.data()),
                g -> new Tensor[]{g.sumTo(sa), b.requiresGrad() ? g.neg().sumTo(sb) : null}, a, b);
    }

    static Variable mul(Variable a, Variable b) {
        Tensor x = a.data();
        Tensor y = b.data();
        return Variable.record("mul", x.mul(y), g -> new Tensor[]{
                a.requiresGrad() ? g.mul(y).sumTo(x.shape()) : null,
                b.requiresGrad() ? g.mul(x).sumTo(y.shape()) : null}, a, b);
    }

    static Variable div(Variable a, Variable b) {
        Tensor x = a.data();
        Tensor y = b.data();
        Tensor out = x.div(y);
        return Variable.record("div", out, g -> new Tensor[]{
                a.requiresGrad() ? g.div(y).sumTo(x.shape()) : null,
                b.requiresGrad() ? g.mul(out).div(y).neg().sumTo(y.shape()) : null}, a, b);
    }

    static Variable pow(Variable a, Variable b) {
        Tensor x = a.data();
        Tensor y = b.data();
        Tensor out = x.pow(y);
        return Variable.record("pow", out, g -> new Tensor[]{
                a.requiresGrad() ? g.mul(y).mul(x.pow(y.sub(1))).sumTo(x.shape()) : null,
                b.requiresGrad() ? g.mul(out).mul(x.log()).sumTo(y.shape()) : null}, a, b);
    }

    /** Elementwise max/min; where the inputs tie, each gets half the gradient (PyTorch's rule). */
    static Variable maximum(Variable a, Variable b) {
        return extremum(a, b, BinaryOp.MAXIMUM, CompareOp.GT);
    }

    static Variable minimum(Variable a, Variable b) {
        return extremum(a, b, BinaryOp.MINIMUM, CompareOp.LT);
    }

    private static Variable extremum(Variable a, Variable b, BinaryOp op, CompareOp wins) {
        Tensor x = a.data();
        Tensor y = b.data();
        Tensor out = x.backend().binary(op, x, y);
        return Variable.record(op.name().toLowerCase(), out, g -> {
            Tensor ties = x.eq(y).mul(0.5);
            Tensor shareA = x.compare(wins, y).add(ties);
            Tensor shareB = y.compare(wins, x).add(ties);
            return new Tensor[]{g.mul(shareA).sumTo(x.shape()), g.mul(shareB).sumTo(y.shape())};
        }, a, b);
    }

    static Variable unary(UnaryOp op, Variable a) {
        Tensor x = a.data();
        Tensor y = x.unary(op);
        return Variable.record(op.name().toLowerCase(), y,
                g -> new Tensor[]{x.backend().unaryBackward(op, x, y, g)}, a);
    }

    /** {@code cond != 0 ? a : b}; the condition gets no gradient. */
    static Variable where(Variable cond, Variable a, Variable b) {
        Tensor c = cond.data();
        Tensor x = a.data();
        Tensor y = b.data();
        Tensor out = Tensor.where(c, x, y);
        return Variable.record("where", out, g -> {
            Tensor zero = g.scalarLike(0);
            return new Tensor[]{null,
                    a.requiresGrad() ? Tensor.where(c, g, zero).sumTo(x.shape()) : null,
                    b.requiresGrad() ? Tensor.where(c, zero, g).sumTo(y.shape()) : null};
        }, cond, a, b);
    }
}
