package io.jformer.autograd;

import io.jformer.tensor.DType;

/**
 * Mixed precision as PyTorch's {@code torch.autocast}: inside a scope, matrix products (linear layers,
 * {@code matmul}, attention's two products) take their operands rounded to a half type and sum in F32 (on
 * the GPU: tensor cores); every other op, softmax, layer norm and the loss included, stays F32. The choice is
 * recorded with each product, so its backward products use the same precision wherever {@code backward()} is
 * called. Activations stay F32 tensors: this engine's other kernels are F32 only.
 *
 * <p>Half-precision gradients can underflow, so training under autocast scales the loss (a {@code GradScaler}).
 *
 * <pre>{@code
 * try (var amp = Autocast.enable(DType.F16)) {
 *     loss = Losses.crossEntropy(model.forward(ids, types, mask), labels);
 * }
 * scaler.scale(loss).backward();
 * }</pre>
 * Scopes nest (the innermost wins) and are per thread.
 */
public final class Autocast {

    private static final ThreadLocal<DType> OPERAND = new ThreadLocal<>();

    private Autocast() {
    }

    /** A scope in which products take {@code operand} (F16 or BF16) operands; {@code null} turns autocast off. */
    public static Scope enable(DType operand) {
        if (operand != null && operand != DType.F16 && operand != DType.BF16) {
            throw new IllegalArgumentException("autocast runs products in F16 or BF16, not " + operand);
        }
        DType previous = OPERAND.get();
        OPERAND.set(operand);
        return new Scope(previous);
    }

    /** The operand type of products on this thread now, or null when they run in F32. */
    public static DType operandType() {
        return OPERAND.get();
    }

    /** The scope returned by {@link #enable}; closing it restores the setting it replaced. */
    public static final class Scope implements AutoCloseable {
        private final DType previous;
        private boolean closed;

        private Scope(DType previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                OPERAND.set(previous);
            }
        }
    }
}
