package io.jformer.autograd;

/** A recorded op in the graph: its inputs and how to send gradients back to them. */
record Node(String op, Variable[] inputs, BackwardRule rule) {
}
