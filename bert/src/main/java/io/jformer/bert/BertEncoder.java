package io.jformer.bert;

import io.jformer.autograd.Variable;
import io.jformer.nn.Module;
import io.jformer.nn.ModuleList;
import io.jformer.tensor.Generator;

/** The stack of encoder layers ({@code encoder.layer.N}). */
final class BertEncoder extends Module {

    private final ModuleList<BertLayer> layers;

    BertEncoder(BertConfig c, Generator init, Generator dropoutGen) {
        layers = child("layer", new ModuleList<>(c.numHiddenLayers(), i -> new BertLayer(c, init, dropoutGen)));
    }

    Variable forward(Variable x, Variable additiveMask) {
        for (BertLayer layer : layers) {
            x = layer.forward(x, additiveMask);
        }
        return x;
    }
}
