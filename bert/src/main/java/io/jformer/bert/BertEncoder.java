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

    /** Every layer at every position: {@code [B,T,H]}. */
    Variable forward(Variable x, Variable additiveMask) {
        for (BertLayer layer : layers) {
            x = layer.forward(x, additiveMask);
        }
        return x;
    }

    /** The last layer's output at the first position, {@code [B,1,H]}; the layers below it run in full. */
    Variable forwardFirstToken(Variable x, Variable additiveMask) {
        int last = layers.size() - 1;
        if (last < 0) {
            return x.narrow(1, 0, 1);
        }
        for (int i = 0; i < last; i++) {
            x = layers.get(i).forward(x, additiveMask);
        }
        return layers.get(last).forwardFirstToken(x, additiveMask);
    }
}
