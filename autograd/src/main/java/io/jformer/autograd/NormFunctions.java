package io.jformer.autograd;

import io.jformer.tensor.LayerNormGradients;
import io.jformer.tensor.LayerNormResult;
import io.jformer.tensor.Tensor;

/** Layer norm with the backend's fused forward and backward. */
final class NormFunctions {

    private NormFunctions() {
    }

    static Variable layerNorm(Variable x, Variable weight, Variable bias, double eps) {
        Tensor in = x.data();
        Tensor w = weight == null ? null : weight.data();
        LayerNormResult r = in.backend().layerNorm(in, w, bias == null ? null : bias.data(), eps);
        return Variable.record("layer_norm", r.output(), g -> {
            LayerNormGradients lg = in.backend().layerNormBackward(g, in, w, r.mean(), r.rstd());
            return new Tensor[]{lg.dx(), lg.dWeight(), lg.dBias()};
        }, x, weight, bias);
    }
}
