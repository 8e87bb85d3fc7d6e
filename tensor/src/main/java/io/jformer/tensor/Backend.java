package io.jformer.tensor;

import java.util.List;

/**
 * The op set: every kernel the engine has, in one place. The CPU backend implements all of it and is the
 * oracle; other backends implement the same interface and are tested against it. Autograd's backward rules
 * are written with these ops, so they run on every backend.
 *
 * <p>Contract shared by every method: inputs may be any view (strided, broadcast, offset); outputs are new
 * contiguous tensors on this backend's device unless stated otherwise; arithmetic is F32 (indices I64);
 * shape errors name the op and the shapes.
 */
public interface Backend {

    /** The device whose memory this backend allocates and computes on. */
    Device device();

    // ---- memory -------------------------------------------------------------------------------------

    /**
     * Returns once every operation issued so far has finished. Accelerators run ops asynchronously, so a timer
     * must call this before reading the clock; the CPU backend computes each op before returning.
     */
    default void synchronize() {
    }

    /** Fresh storage for {@code length} elements; contents are unspecified. */
    Storage allocate(DType dtype, int length);

    /**
     * Takes back storage a {@link Workspace} no longer needs, for a later {@link #allocate} to reuse. The caller
     * guarantees nothing reads it again. Backends without a pool ignore it.
     */
    default void recycle(Storage storage) {
    }

    /** {@code dst += src} in place ({@code src} broadcast to {@code dst}'s shape): how gradients accumulate. */
    default void accumulate(Tensor dst, Tensor src) {
        copy(binary(BinaryOp.ADD, dst, src), dst);
    }

    /** Copies {@code src} (any layout, same shape) into the view {@code dst}; converts dtype if they differ. */
    void copy(Tensor src, Tensor dst);

    /** Sets every element of the view {@code dst} to {@code value}. */
    void fill(Tensor dst, double value);

    /** A contiguous host (CPU) copy of a tensor held by this backend. */
    Tensor toHost(Tensor src);

    /** A contiguous copy on this backend's device of a host tensor. */
    Tensor fromHost(Tensor hostTensor);

    /**
     * Fills the contiguous F32 tensor {@code dst} with draws from {@code dist}; element {@code i} uses the
     * generator stream position {@code counter + i} (see {@link Generator}), so results do not depend on
     * threads or device.
     */
    void fillRandom(Tensor dst, Distribution dist, double p1, double p2, long seed, long counter);

    /**
     * Inverted dropout at an explicit stream position: element {@code i} of {@code x} times {@code 1/(1-p)} where
     * the Bernoulli draw {@code counter + i} with probability {@code 1-p} succeeds, else times 0 ({@code p} in
     * [0, 1)). The same position gives the same mask, which is how dropout's backward pass applies it to the
     * gradient without storing it. This default stores the mask and multiplies; it gives the same bits as a
     * fused kernel, since {@code 1/(1-p)} and 0 times the mask's 1 or 0 are exact.
     */
    default Tensor dropout(Tensor x, double p, long seed, long counter) {
        Tensor keep = Tensor.random(Distribution.BERNOULLI, 1 - p, 0, seed, counter, x.shape(), device());
        return x.mul(keep.mul(1 / (1 - p)));
    }

    // ---- elementwise --------------------------------------------------------------------------------

    /** {@code op} of {@code a} and {@code b}, elementwise with NumPy broadcasting, as a new tensor. */
    Tensor binary(BinaryOp op, Tensor a, Tensor b);

    /** {@code op} applied to every element of {@code x}, as a new tensor. */
    Tensor unary(UnaryOp op, Tensor x);

    /** The gradient of {@code op} at {@code x}: {@code op'(x) * dy}; {@code y = op(x)} is supplied for ops whose derivative uses it. */
    Tensor unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy);

    /** 1 where the comparison holds, else 0 (F32), with broadcasting. */
    Tensor compare(CompareOp op, Tensor a, Tensor b);

    /** {@code cond != 0 ? a : b}, broadcasting all three. */
    Tensor where(Tensor cond, Tensor a, Tensor b);

    // ---- reductions ---------------------------------------------------------------------------------

    /** Reduces over the given (distinct, normalised) dimensions; an empty {@code dims} reduces over all. */
    Tensor reduce(ReduceOp op, Tensor x, int[] dims, boolean keepDim);

    /** Index (I64) of the first maximum along {@code dim}. */
    Tensor argmax(Tensor x, int dim, boolean keepDim);

    // ---- linear algebra -----------------------------------------------------------------------------

    /**
     * {@code a[..., M, K] · b[..., K, N]} with broadcast batch dimensions. Either operand may be a transposed
     * view (any strides in its last two dimensions): no copy is made for it. 1-D operands follow
     * {@code torch.matmul}.
     */
    Tensor matmul(Tensor a, Tensor b);

    /**
     * {@link #matmul} with both operands first rounded to {@code operand} (F16 or BF16) and the products summed
     * in F32; the result is F32. This is autocast's matrix product: tensor cores take half-precision operands and
     * accumulate in single precision. The default rounds copies and multiplies them in F32, which is the
     * definition the faster paths are checked against (a product of two halves is exact in F32, so only the
     * summation order differs).
     */
    default Tensor matmulReduced(Tensor a, Tensor b, DType operand) {
        return matmul(roundTo(a, operand), roundTo(b, operand));
    }

    /**
     * {@link #linear(Tensor, Tensor, Tensor, UnaryOp)} with {@code x} and {@code weight} rounded to {@code operand}
     * as in {@link #matmulReduced}; the bias, the sums and the activation stay F32. {@code activation} may be null.
     */
    default Tensor linearReduced(Tensor x, Tensor weight, Tensor bias, UnaryOp activation, DType operand) {
        Tensor xr = roundTo(x, operand);
        Tensor wr = roundTo(weight, operand);
        return activation == null ? linear(xr, wr, bias) : linear(xr, wr, bias, activation);
    }

    /** {@code t}'s values rounded to {@code operand} (nearest even), back in F32. */
    private static Tensor roundTo(Tensor t, DType operand) {
        if (operand != DType.F16 && operand != DType.BF16) {
            throw new IllegalArgumentException("reduced-precision operands must be F16 or BF16, got " + operand);
        }
        return t.to(operand).to(DType.F32);
    }

    /**
     * {@code x·weightᵀ + bias} (PyTorch's {@code F.linear}) with the shapes of {@link OpShapes#linear};
     * {@code bias} may be null. This default multiplies, then adds the bias in place; a backend may instead
     * start each element's sum from the bias (one pass over the output fewer), which rounds differently but
     * no less accurately.
     */
    default Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        OpShapes.linear(x, weight, bias);
        Tensor y = matmul(x, weight.transpose(0, 1));
        if (bias != null) {
            accumulate(y, bias);
        }
        return y;
    }

    /**
     * {@code activation(x·weightᵀ + bias)}: a linear layer and the elementwise function after it, for when
     * nothing needs the value before the activation (no gradient to record). This default applies
     * {@link #unary} to {@link #linear}'s result; a backend may apply it while each part of the product is
     * still in cache, and must then give exactly what this default gives.
     */
    default Tensor linear(Tensor x, Tensor weight, Tensor bias, UnaryOp activation) {
        return unary(activation, linear(x, weight, bias));
    }

    // ---- normalisation and attention ----------------------------------------------------------------

    /**
     * {@code softmax(scale·x + mask)} over {@code dim} (or its logarithm when {@code log}); {@code mask}
     * is additive, broadcast to {@code x}, and may be null. Rows that are entirely -inf give zeros (softmax)
     * rather than NaN, so fully padded rows do not poison a batch.
     */
    Tensor softmax(Tensor x, int dim, double scale, Tensor mask, boolean log);

    /** The gradient with respect to {@code x} of {@link #softmax}, from its output {@code y} and {@code dy}. */
    Tensor softmaxBackward(Tensor y, Tensor dy, int dim, double scale, boolean log);

    /**
     * Scaled dot-product attention, {@code softmax(scale·q·kᵀ + mask)·v}, with the shapes of
     * {@link OpShapes#attention}; {@code mask} is additive and may be null. This default multiplies, takes the
     * softmax and multiplies again, storing the {@code [..., T, S]} scores and probabilities; a backend may fuse
     * the three and store neither, provided it gives the same result.
     */
    default Tensor attention(Tensor q, Tensor k, Tensor v, double scale, Tensor mask) {
        OpShapes.attention(q, k, v, mask);
        Tensor probs = softmax(matmul(q, k.transpose(-2, -1)), q.rank() - 1, scale, mask, false);
        return matmul(probs, v);
    }

    /** Layer norm over the last dimension, with the per-row statistics the backward pass needs. */
    LayerNormResult layerNorm(Tensor x, Tensor weight, Tensor bias, double eps);

    /** Gradients of {@link #layerNorm} with respect to x, weight and bias, in one pass. */
    LayerNormGradients layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd);

    // ---- indexing -----------------------------------------------------------------------------------

    /** Rows of {@code weight[V, D]} picked by the I64 {@code ids} of any shape: result {@code ids.shape + [D]}. */
    Tensor embedding(Tensor weight, Tensor ids);

    /** Scatter-add of {@code dy[ids.shape + D]} into a zero {@code [numRows, D]} gradient (repeated ids add up). */
    Tensor embeddingBackward(Tensor dy, Tensor ids, int numRows);

    /**
     * {@link #embeddingBackward} added into an existing contiguous {@code [numRows, D]} gradient in place, row by
     * row in id order: into a zeroed {@code grad}, the same values as {@link #embeddingBackward}, without a second
     * table-sized tensor. This default builds that tensor and adds it (so onto a non-zero {@code grad} the sums
     * are grouped differently); a backend overrides it to scatter directly.
     */
    default void embeddingBackwardInto(Tensor grad, Tensor dy, Tensor ids) {
        grad.addInPlace(embeddingBackward(dy, ids, grad.size(0)));
    }

    /** Entries of {@code x} at the I64 1-D {@code index} along {@code dim}. */
    Tensor indexSelect(Tensor x, int dim, Tensor index);

    /** A zero tensor of {@code shape} with slices of {@code src} added at {@code index} along {@code dim}. */
    Tensor indexAdd(Shape shape, int dim, Tensor index, Tensor src);

    /** Concatenation along an existing dimension. */
    Tensor concat(List<Tensor> parts, int dim);

    // ---- losses -------------------------------------------------------------------------------------

    /**
     * Cross-entropy of {@code logits[N, C]} against I64 {@code targets[N]} (log-softmax and NLL fused);
     * targets equal to {@code ignoreIndex} contribute nothing and are not counted by {@code MEAN}.
     */
    CrossEntropyResult crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Reduction reduction);

    /** Gradient of {@link #crossEntropy} with respect to the logits, given the upstream gradient of the loss. */
    Tensor crossEntropyBackward(Tensor dLoss, Tensor logits, Tensor targets, Tensor logSumExp, int ignoreIndex,
                                Reduction reduction);

    // ---- optimizer ----------------------------------------------------------------------------------

    /**
     * One AdamW update, in place on {@code param}, {@code expAvg} and {@code expAvgSq} (contiguous, same
     * shape as {@code grad}). This default composes other ops and copies back; backends override it with a
     * fused kernel that must give the same values.
     */
    default void adamwStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep h) {
        // The order of PyTorch's single-tensor AdamW, so the two agree to rounding.
        Tensor p = param.mul(1 - h.lr() * h.weightDecay());
        Tensor m = expAvg.mul(h.beta1()).add(grad.mul(1 - h.beta1()));
        Tensor v = expAvgSq.mul(h.beta2()).add(grad.mul(grad).mul(1 - h.beta2()));
        Tensor denom = v.sqrt().div(Math.sqrt(h.biasCorrection2())).add(h.eps());
        p = p.sub(m.div(denom).mul(h.lr() / h.biasCorrection1()));
        copy(m, expAvg);
        copy(v, expAvgSq);
        copy(p, param);
    }

    /**
     * The sum over {@code tensors} of the squares of their elements, the square of the global norm that
     * gradient clipping divides by. This default sums each tensor in F32 and the tensors in double; a backend
     * may sum in another order (a GPU reads one result instead of one per tensor).
     */
    default double sumOfSquares(List<Tensor> tensors) {
        double total = 0;
        for (Tensor t : tensors) {
            try (Workspace ignored = Workspace.open()) {
                total += t.mul(t).sum().item();
            }
        }
        return total;
    }

    /**
     * Multiplies every tensor by {@code factor} in place and says whether any element was inf or NaN: the
     * unscale step of loss scaling (PyTorch's {@code _amp_foreach_non_finite_check_and_unscale_}). This default
     * checks each tensor's sum of magnitudes, which is finite exactly when every element is, unless finite
     * values overflow the sum; that is then reported as an overflow too, as it would overflow F16 anyway.
     */
    default boolean unscaleAndCheckFinite(List<Tensor> tensors, double factor) {
        boolean nonFinite = false;
        for (Tensor t : tensors) {
            try (Workspace ignored = Workspace.open()) {
                t.copyFrom(t.mul(factor));
                if (!Double.isFinite(t.abs().sum().item())) {
                    nonFinite = true;
                }
            }
        }
        return nonFinite;
    }
}
