package io.jformer.autograd;

import io.jformer.tensor.Generator;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.Workspace;

/**
 * Scaled dot-product attention, with optional dropout on the attention weights. Without a gradient to record or
 * dropout to draw it is one backend op (fused on the CPU, storing no scores); otherwise it is composed of matmul,
 * softmax, dropout and matmul, whose backward needs the probabilities.
 */
final class AttentionFunction {

    private AttentionFunction() {
    }

    static Variable attention(Variable q, Variable k, Variable v, double scale, Variable mask, double dropoutP,
            Generator gen) {
        // The fused op is F32; under autocast the products below take half-precision operands instead.
        if (dropoutP == 0 && !Variable.recordsGradient(q, k, v, mask) && Autocast.operandType() == null) {
            Tensor m = mask == null ? null : mask.data();
            return Variable.constant(q.data().scaledDotProductAttention(k.data(), v.data(), scale, m));
        }
        Variable probs;
        // The raw scores are dead once the softmax has read them (its backward needs only the probabilities):
        // inside a training step's workspace their memory serves the next op instead of waiting for the end.
        try (Workspace ws = Workspace.open()) {
            probs = Functional.softmax(q.matmul(k.t()), -1, scale, mask);
            ws.keep(probs.data());
        }
        return Functional.dropout(probs, dropoutP, true, gen).matmul(v);
    }
}
