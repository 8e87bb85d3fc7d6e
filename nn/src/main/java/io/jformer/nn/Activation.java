package io.jformer.nn;

import io.jformer.autograd.Variable;
import io.jformer.tensor.UnaryOp;

import java.util.Locale;

/** Parameter-free activations by their Hugging Face {@code hidden_act} names. */
public final class Activation extends Module implements Layer {

    private final UnaryOp op;

    private Activation(UnaryOp op) {
        this.op = op;
    }

    /** Exact (erf) GELU, BERT's {@code gelu}. */
    public static Activation gelu() {
        return new Activation(UnaryOp.GELU);
    }

    /** The hyperbolic tangent. */
    public static Activation tanh() {
        return new Activation(UnaryOp.TANH);
    }

    /**
     * The activation a Hugging Face config names: {@code gelu}, {@code gelu_new}/{@code gelu_pytorch_tanh}
     * (tanh approximation), {@code relu}, {@code tanh}, {@code sigmoid}.
     */
    public static Activation byName(String hiddenAct) {
        return new Activation(switch (hiddenAct.toLowerCase(Locale.ROOT)) {
            case "gelu" -> UnaryOp.GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> UnaryOp.GELU_TANH;
            case "relu" -> UnaryOp.RELU;
            case "tanh" -> UnaryOp.TANH;
            case "sigmoid" -> UnaryOp.SIGMOID;
            default -> throw new IllegalArgumentException("unsupported activation '" + hiddenAct
                    + "': expected gelu, gelu_new, gelu_pytorch_tanh, relu, tanh or sigmoid");
        });
    }

    @Override
    public Variable forward(Variable x) {
        return x.unary(op);
    }

    /** The elementwise function this activation applies. */
    public UnaryOp op() {
        return op;
    }
}
