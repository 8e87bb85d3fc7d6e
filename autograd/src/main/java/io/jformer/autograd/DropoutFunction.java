package io.jformer.autograd;

import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;

/**
 * Inverted dropout whose backward pass draws its mask again instead of keeping it. The generator is
 * counter-based, so the seed and the counter position the forward pass used give back exactly the same mask;
 * not storing one F32 mask per dropout saves a quarter of BERT's activation memory for a second round of
 * draws, which the fused kernel makes in the same pass as the product.
 */
final class DropoutFunction {

    private DropoutFunction() {
    }

    static Variable dropout(Variable x, double p, Generator gen) {
        long seed = gen.seed();
        long counter = gen.reserve(x.data().numel());
        Tensor y = x.data().dropout(p, seed, counter);
        return Variable.record("dropout", y, g -> new Tensor[]{g.dropout(p, seed, counter)}, x);
    }
}
