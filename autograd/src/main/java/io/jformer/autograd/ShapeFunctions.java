package io.jformer.autograd;

import io.jformer.tensor.DType;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/** Views, concatenation and index selection, with their backward rules. */
final class ShapeFunctions {

    private ShapeFunctions() {
    }

    static Variable reshape(Variable a, int... shape) {
        Shape in = a.shape();
        return Variable.record("reshape", a.data().reshape(shape), g -> new Tensor[]{g.reshape(in.toArray())}, a);
    }

    static Variable permute(Variable a, int... order) {
        Tensor out = a.data().permute(order);
        int[] inverse = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            inverse[a.shape().normalize(order[i])] = i;
        }
        return Variable.record("permute", out, g -> new Tensor[]{g.permute(inverse)}, a);
    }

    static Variable transpose(Variable a, int d0, int d1) {
        return Variable.record("transpose", a.data().transpose(d0, d1), g -> new Tensor[]{g.transpose(d0, d1)}, a);
    }

    static Variable slice(Variable a, int dim, int start, int end, int step) {
        Shape in = a.shape();
        return Variable.record("slice", a.data().slice(dim, start, end, step), g -> {
            Tensor full = Tensor.full(in, 0, DType.F32, g.device());
            g.backend().copy(g, full.slice(dim, start, end, step));
            return new Tensor[]{full};
        }, a);
    }

    static Variable expand(Variable a, int... shape) {
        Shape in = a.shape();
        return Variable.record("expand", a.data().expand(shape), g -> new Tensor[]{g.sumTo(in)}, a);
    }

    static Variable squeeze(Variable a, int dim) {
        Shape in = a.shape();
        return Variable.record("squeeze", a.data().squeeze(dim), g -> new Tensor[]{g.reshape(in.toArray())}, a);
    }

    static Variable unsqueeze(Variable a, int dim) {
        Shape in = a.shape();
        return Variable.record("unsqueeze", a.data().unsqueeze(dim), g -> new Tensor[]{g.reshape(in.toArray())}, a);
    }

    static Variable contiguous(Variable a) {
        return Variable.record("contiguous", a.data().contiguous(), g -> new Tensor[]{g}, a);
    }

    static Variable indexSelect(Variable a, int dim, Tensor index) {
        Shape in = a.shape();
        int d = in.normalize(dim);
        return Variable.record("index_select", a.data().indexSelect(d, index),
                g -> new Tensor[]{g.backend().indexAdd(in, d, index, g)}, a);
    }

    static Variable concat(List<Variable> parts, int dim) {
        List<Tensor> values = new ArrayList<>(parts.size());
        for (Variable p : parts) {
            values.add(p.data());
        }
        Tensor out = Tensor.concat(values, dim);
        int d = out.shape().normalize(dim);
        return Variable.record("concat", out, g -> {
            Tensor[] grads = new Tensor[parts.size()];
            int pos = 0;
            for (int i = 0; i < grads.length; i++) {
                int len = values.get(i).size(d);
                grads[i] = g.narrow(d, pos, len);
                pos += len;
            }
            return grads;
        }, parts.toArray(new Variable[0]));
    }
}
