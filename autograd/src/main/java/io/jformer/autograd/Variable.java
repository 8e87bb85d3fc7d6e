package io.jformer.autograd;

import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.UnaryOp;
import io.jformer.tensor.Workspace;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tensor in a reverse-mode autograd graph: its value, whether gradients flow to it, the op that made it,
 * and (for leaves) the gradient accumulated by {@link #backward()}.
 *
 * <p>Ops on variables record the graph while {@link GradMode#isEnabled()} and at least one input requires a
 * gradient; otherwise they compute plain values. Gradients of leaves add up across backward passes until
 * {@link #zeroGrad()}, as in PyTorch. Not thread-safe: a graph belongs to one thread.
 */
public final class Variable {

    private Tensor data;
    private Tensor grad;
    /** The kept gradient buffer stands for zeros: its contents are stale, and the next gradient is copied over it. */
    private boolean gradZeroed;
    private final boolean requiresGrad;
    private final Node node;

    private Variable(Tensor data, boolean requiresGrad, Node node) {
        this.data = data;
        this.requiresGrad = requiresGrad;
        this.node = node;
    }

    /** A leaf that collects gradients (a parameter or an input being differentiated). */
    public static Variable parameter(Tensor data) {
        return new Variable(data, true, null);
    }

    /** A leaf that needs no gradient (data, masks, labels). */
    public static Variable constant(Tensor data) {
        return new Variable(data, false, null);
    }

    /**
     * The output of an op: records {@code rule} in the graph when gradients are on and some input needs one.
     * This is how new differentiable ops are added, inside the engine or in user code.
     */
    public static Variable record(String op, Tensor output, BackwardRule rule, Variable... inputs) {
        if (recordsGradient(inputs)) {
            return new Variable(output, true, new Node(op, inputs.clone(), rule));
        }
        return new Variable(output, false, null);
    }

    /**
     * True when an op on these inputs (nulls allowed) would be recorded by {@link #record}: gradients are on and
     * some input needs one. Ops with a cheaper path when nothing is recorded (fused attention) ask this first.
     */
    public static boolean recordsGradient(Variable... inputs) {
        if (GradMode.isEnabled()) {
            for (Variable v : inputs) {
                if (v != null && v.requiresGrad) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---- state -------------------------------------------------------------------------------------

    /** The current value (for a leaf, replaced in place by {@link #setData}). */
    public Tensor data() {
        return data;
    }

    /**
     * Replaces the value of a leaf in place, keeping its identity (optimizer updates, loading weights).
     * The shape must not change.
     */
    public void setData(Tensor value) {
        if (!isLeaf()) {
            throw new IllegalStateException("setData on a non-leaf variable made by " + node.op());
        }
        if (!value.shape().equals(data.shape())) {
            throw new io.jformer.tensor.ShapeMismatchException("setData: new value of shape " + value.shape()
                    + " for a variable of shape " + data.shape());
        }
        data = value;
    }

    /** The accumulated gradient of a leaf, or null before any backward pass reached it. */
    public Tensor grad() {
        if (gradZeroed) {
            grad.fill(0);
            gradZeroed = false;
        }
        return grad;
    }

    /** Sets (or with null, clears) the gradient; used by optimizers and gradient clipping. */
    public void setGrad(Tensor grad) {
        if (grad != null && !grad.shape().equals(data.shape())) {
            throw new io.jformer.tensor.ShapeMismatchException("setGrad: gradient of shape " + grad.shape()
                    + " for a variable of shape " + data.shape());
        }
        this.grad = grad;
        gradZeroed = false;
    }

    /** Clears the gradient, so the next backward pass starts from zero (PyTorch's {@code set_to_none=True}). */
    public void zeroGrad() {
        zeroGrad(true);
    }

    /**
     * With {@code setToNone} false, keeps the gradient buffer as zeros, so the next backward pass writes into the
     * same memory (PyTorch's {@code zero_grad(set_to_none=False)}): a training loop then allocates no gradient
     * memory after its first step. The zeros are lazy: the next backward pass copies its first gradient over the
     * buffer instead of adding it to zeros written beforehand (two passes over every parameter fewer, one of them
     * reading), and {@link #grad()} fills them in only if it is asked first.
     */
    public void zeroGrad(boolean setToNone) {
        if (setToNone || grad == null) {
            grad = null;
            gradZeroed = false;
        } else {
            gradZeroed = true;
        }
    }

    /**
     * Adds a leaf's gradient in place, as PyTorch does. The first one is copied: it must outlive any
     * {@link Workspace} around this backward pass, and it may be the very tensor another input also received
     * (an addition hands both inputs the same gradient).
     */
    private void accumulateGrad(Tensor g) {
        if (grad == null) {
            grad = Workspace.untracked(g::copy);
        } else if (gradZeroed) {
            grad.copyFrom(g);
            gradZeroed = false;
        } else {
            grad.addInPlace(g);
        }
    }

    /**
     * For a leaf whose gradient starts from zero in this backward pass: adds {@code dy}'s rows into the gradient's
     * rows at {@code ids}, zeroing (or allocating) it first, and returns true; the embedding's backward pass then
     * hands the engine no gradient for it, and a gradient from another use of the table is added afterwards
     * (float addition commutes, so with one other use the sum is the dense path's bit for bit; with more, the
     * others are summed first). Otherwise (not a leaf, or a gradient already holding values, where adding the rows
     * one by one would group the sums differently than adding the dense gradient) returns false.
     */
    boolean scatterFirstGradientRows(Tensor dy, Tensor ids) {
        if (!isLeaf() || !requiresGrad || (grad != null && (!gradZeroed || !grad.isContiguous()))) {
            return false;
        }
        if (grad == null) {
            grad = Workspace.untracked(() -> Tensor.full(data.shape(), 0, io.jformer.tensor.DType.F32, data.device()));
        } else {
            grad.fill(0);
            gradZeroed = false;
        }
        grad.backend().embeddingBackwardInto(grad, dy, ids);
        return true;
    }

    /** Whether gradients flow to this variable: a parameter, or an op output with such an input. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Whether this variable was created directly rather than by an op. */
    public boolean isLeaf() {
        return node == null;
    }

    /** The name of the op that made this variable, or null for a leaf. */
    public String op() {
        return node == null ? null : node.op();
    }

    /** The value's shape. */
    public Shape shape() {
        return data.shape();
    }

    /** The size of dimension {@code dim} (negative counts from the end). */
    public int size(int dim) {
        return data.size(dim);
    }

    /** The value's number of dimensions. */
    public int rank() {
        return data.rank();
    }

    /** The same value cut out of the graph. */
    public Variable detach() {
        return constant(data);
    }

    @Override
    public String toString() {
        return "Variable(" + data + (requiresGrad ? ", requiresGrad" : "") + (node != null ? ", op=" + node.op() : "")
                + ")";
    }

    // ---- backward ----------------------------------------------------------------------------------

    /** Back-propagates from a scalar (one-element) output with gradient 1. */
    public void backward() {
        if (data.numel() != 1) {
            throw new IllegalStateException("backward() needs a one-element output, got shape " + data.shape()
                    + "; pass the output gradient to backward(Tensor)");
        }
        backward(io.jformer.tensor.Tensor.full(data.shape(), 1, io.jformer.tensor.DType.F32, data.device()));
    }

    /** Back-propagates {@code gradOutput} (shaped like this variable) through the graph into every leaf that requires it. */
    public void backward(Tensor gradOutput) {
        if (!requiresGrad) {
            throw new IllegalStateException("backward on a variable that does not require gradients"
                    + " (no input of its graph is a parameter, or it was made under GradMode.noGrad())");
        }
        if (!gradOutput.shape().equals(data.shape())) {
            throw new io.jformer.tensor.ShapeMismatchException("backward: gradient of shape " + gradOutput.shape()
                    + " for an output of shape " + data.shape());
        }
        List<Variable> order = topologicalOrder();
        Map<Variable, Tensor> grads = new IdentityHashMap<>();
        grads.put(this, gradOutput);
        // Gradients made from here on are dead once consumed: inside a Workspace they go back to the pool at
        // once, so the backward pass holds the frontier of the graph rather than every gradient it ever made.
        Workspace ws = Workspace.current();
        long mark = ws == null ? 0 : ws.mark();
        for (int i = order.size() - 1; i >= 0; i--) {
            Variable v = order.get(i);
            Tensor g = grads.remove(v);
            if (g == null) {
                continue;
            }
            if (v.node == null) {
                v.accumulateGrad(g);
                releaseIfUnread(ws, mark, g, grads);
                continue;
            }
            Tensor[] inputGrads = applyRule(v.node, g);
            // Released only after every input got its gradient: a rule may hand g itself to several inputs.
            List<Tensor> consumed = new ArrayList<>(3);
            consumed.add(g);
            Variable[] inputs = v.node.inputs();
            for (int k = 0; k < inputs.length; k++) {
                Variable in = inputs[k];
                if (in == null || !in.requiresGrad || inputGrads[k] == null) {
                    continue;
                }
                Tensor ig = inputGrads[k];
                if (!ig.shape().equals(in.shape())) {
                    throw new IllegalStateException("backward rule of " + v.node.op() + " returned a gradient of shape "
                            + ig.shape() + " for input " + k + " of shape " + in.shape());
                }
                Tensor pending = grads.get(in);
                if (pending == null) {
                    grads.put(in, ig);
                } else {
                    grads.put(in, pending.add(ig));
                    consumed.add(pending);
                    consumed.add(ig);
                }
            }
            for (Tensor c : consumed) {
                releaseIfUnread(ws, mark, c, grads);
            }
        }
    }

    /** Runs a backward rule; its temporaries are recycled as soon as it returns (only its results stay). */
    private static Tensor[] applyRule(Node node, Tensor g) {
        try (Workspace ruleScope = Workspace.open()) {
            Tensor[] out = node.rule().apply(g);
            for (Tensor t : out) {
                if (t != null) {
                    ruleScope.keep(t);
                }
            }
            return out;
        }
    }

    /** Releases a consumed gradient unless a pending gradient is a view of the same storage. */
    private static void releaseIfUnread(Workspace ws, long mark, Tensor g, Map<Variable, Tensor> pending) {
        if (ws == null) {
            return;
        }
        for (Tensor p : pending.values()) {
            if (p.storage() == g.storage()) {
                return;
            }
        }
        ws.releaseNow(g, mark);
    }

    /** Inputs before outputs; iterative so deep graphs cannot overflow the stack. */
    private List<Variable> topologicalOrder() {
        List<Variable> order = new ArrayList<>();
        Map<Variable, Boolean> visited = new IdentityHashMap<>();
        Deque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[]{this, 0});
        visited.put(this, true);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Variable v = (Variable) frame[0];
            int next = (Integer) frame[1];
            Variable[] inputs = v.node == null ? new Variable[0] : v.node.inputs();
            if (next < inputs.length) {
                frame[1] = next + 1;
                Variable in = inputs[next];
                if (in != null && in.requiresGrad && visited.put(in, true) == null) {
                    stack.push(new Object[]{in, 0});
                }
            } else {
                stack.pop();
                order.add(v);
            }
        }
        return order;
    }

    // ---- elementwise -------------------------------------------------------------------------------

    /** {@code this + o}, elementwise with broadcasting. */
    public Variable add(Variable o) {
        return ElementwiseFunctions.add(this, o);
    }

    /** {@code this - o}, elementwise with broadcasting. */
    public Variable sub(Variable o) {
        return ElementwiseFunctions.sub(this, o);
    }

    /** {@code this * o}, elementwise with broadcasting. */
    public Variable mul(Variable o) {
        return ElementwiseFunctions.mul(this, o);
    }

    /** {@code this / o}, elementwise with broadcasting. */
    public Variable div(Variable o) {
        return ElementwiseFunctions.div(this, o);
    }

    /** {@code this} raised to {@code exponent}, elementwise with broadcasting. */
    public Variable pow(Variable exponent) {
        return ElementwiseFunctions.pow(this, exponent);
    }

    /** The larger of the two, elementwise with broadcasting. */
    public Variable maximum(Variable o) {
        return ElementwiseFunctions.maximum(this, o);
    }

    /** The smaller of the two, elementwise with broadcasting. */
    public Variable minimum(Variable o) {
        return ElementwiseFunctions.minimum(this, o);
    }

    /** {@code this + s} for every element. */
    public Variable add(double s) {
        return add(scalar(s));
    }

    /** {@code this - s} for every element. */
    public Variable sub(double s) {
        return sub(scalar(s));
    }

    /** {@code this * s} for every element. */
    public Variable mul(double s) {
        return mul(scalar(s));
    }

    /** {@code this / s} for every element. */
    public Variable div(double s) {
        return div(scalar(s));
    }

    /** Every element raised to {@code exponent}. */
    public Variable pow(double exponent) {
        return pow(scalar(exponent));
    }

    private Variable scalar(double s) {
        return constant(data.scalarLike(s));
    }

    /** {@code op} applied to every element, with its derivative for the backward pass. */
    public Variable unary(UnaryOp op) {
        return ElementwiseFunctions.unary(op, this);
    }

    /** {@code -x} for every element. */
    public Variable neg() {
        return unary(UnaryOp.NEG);
    }

    /** {@code |x|} for every element. */
    public Variable abs() {
        return unary(UnaryOp.ABS);
    }

    /** {@code e^x} for every element. */
    public Variable exp() {
        return unary(UnaryOp.EXP);
    }

    /** The natural logarithm of every element. */
    public Variable log() {
        return unary(UnaryOp.LOG);
    }

    /** The square root of every element. */
    public Variable sqrt() {
        return unary(UnaryOp.SQRT);
    }

    /** {@code 1 / sqrt(x)} for every element. */
    public Variable rsqrt() {
        return unary(UnaryOp.RSQRT);
    }

    /** The hyperbolic tangent of every element. */
    public Variable tanh() {
        return unary(UnaryOp.TANH);
    }

    /** {@code 1 / (1 + e^-x)} for every element. */
    public Variable sigmoid() {
        return unary(UnaryOp.SIGMOID);
    }

    /** {@code max(x, 0)} for every element. */
    public Variable relu() {
        return unary(UnaryOp.RELU);
    }

    /** {@code x²} for every element. */
    public Variable square() {
        return unary(UnaryOp.SQUARE);
    }

    /** Exact (erf) GELU, as in BERT. */
    public Variable gelu() {
        return unary(UnaryOp.GELU);
    }

    /** Tanh-approximated GELU. */
    public Variable geluTanh() {
        return unary(UnaryOp.GELU_TANH);
    }

    /** {@code value} where {@code mask != 0}, else this variable's element; no gradient flows to filled positions. */
    public Variable maskedFill(Tensor mask, double value) {
        return ElementwiseFunctions.where(constant(mask), scalar(value), this);
    }

    // ---- reductions --------------------------------------------------------------------------------

    /** The sum of all elements (0-d). */
    public Variable sum() {
        return ReductionFunctions.sum(this, false);
    }

    /** Sum over {@code dims}; {@code keepDim} keeps them as size 1. */
    public Variable sum(boolean keepDim, int... dims) {
        return ReductionFunctions.sum(this, keepDim, dims);
    }

    /** The mean of all elements (0-d). */
    public Variable mean() {
        return ReductionFunctions.mean(this, false);
    }

    /** Mean over {@code dims}; {@code keepDim} keeps them as size 1. */
    public Variable mean(boolean keepDim, int... dims) {
        return ReductionFunctions.mean(this, keepDim, dims);
    }

    /** Maximum over {@code dims}; ties share the gradient equally. */
    public Variable max(boolean keepDim, int... dims) {
        return ReductionFunctions.extremum(this, true, keepDim, dims);
    }

    /** Minimum over {@code dims}; ties share the gradient equally. */
    public Variable min(boolean keepDim, int... dims) {
        return ReductionFunctions.extremum(this, false, keepDim, dims);
    }

    // ---- shape -------------------------------------------------------------------------------------

    /** The same elements in a new shape (one size may be -1); a view when the layout allows. */
    public Variable reshape(int... shape) {
        return ShapeFunctions.reshape(this, shape);
    }

    /** The dimensions reordered: dimension {@code i} of the result is {@code order[i]} of this (a view). */
    public Variable permute(int... order) {
        return ShapeFunctions.permute(this, order);
    }

    /** Dimensions {@code d0} and {@code d1} swapped (a view). */
    public Variable transpose(int d0, int d1) {
        return ShapeFunctions.transpose(this, d0, d1);
    }

    /** Transpose of the last two dimensions. */
    public Variable t() {
        return transpose(-2, -1);
    }

    /** {@code length} entries along {@code dim} starting at {@code start} (a view). */
    public Variable narrow(int dim, int start, int length) {
        return ShapeFunctions.slice(this, dim, start, start + length, 1);
    }

    /** Entries {@code start, start+step, ...} before {@code end} along {@code dim} (a view). */
    public Variable slice(int dim, int start, int end, int step) {
        return ShapeFunctions.slice(this, dim, start, end, step);
    }

    /** Entry {@code index} along {@code dim}, with that dimension removed (a view). */
    public Variable select(int dim, int index) {
        int d = data.shape().normalize(dim);
        return narrow(d, index, 1).squeeze(d);
    }

    /** Broadcast to {@code shape} without copying (size-1 dimensions repeat); gradients are summed back. */
    public Variable expand(int... shape) {
        return ShapeFunctions.expand(this, shape);
    }

    /** Dimension {@code dim}, which must have size 1, removed (a view). */
    public Variable squeeze(int dim) {
        return ShapeFunctions.squeeze(this, dim);
    }

    /** A size-1 dimension inserted at {@code dim} (a view). */
    public Variable unsqueeze(int dim) {
        return ShapeFunctions.unsqueeze(this, dim);
    }

    /** The same values laid out row-major without gaps. */
    public Variable contiguous() {
        return ShapeFunctions.contiguous(this);
    }

    /** Entries at the I64 1-D {@code index} along {@code dim}; gradients scatter-add back. */
    public Variable indexSelect(int dim, Tensor index) {
        return ShapeFunctions.indexSelect(this, dim, index);
    }

    // ---- linear algebra and normalisation ----------------------------------------------------------

    /** Matrix product with {@code torch.matmul} semantics. */
    public Variable matmul(Variable o) {
        return MatmulFunction.matmul(this, o);
    }

    /** Softmax along {@code dim}. */
    public Variable softmax(int dim) {
        return SoftmaxFunction.softmax(this, dim, 1.0, null, false);
    }

    /** Log-softmax along {@code dim}, computed stably. */
    public Variable logSoftmax(int dim) {
        return SoftmaxFunction.softmax(this, dim, 1.0, null, true);
    }
}
