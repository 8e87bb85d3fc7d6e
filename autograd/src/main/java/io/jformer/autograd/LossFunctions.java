package io.jformer.autograd;

import io.jformer.tensor.CrossEntropyResult;
import io.jformer.tensor.Reduction;
import io.jformer.tensor.Tensor;

/** Losses with fused forward and backward kernels. */
final class LossFunctions {

    private LossFunctions() {
    }

    static Variable crossEntropy(Variable logits, Tensor targets, int ignoreIndex, Reduction reduction) {
        Tensor x = logits.data();
        CrossEntropyResult r = x.backend().crossEntropy(x, targets, ignoreIndex, reduction);
        return Variable.record("cross_entropy", r.loss(), g -> new Tensor[]{
                x.backend().crossEntropyBackward(g, x, targets, r.logSumExp(), ignoreIndex, reduction)}, logits);
    }
}
