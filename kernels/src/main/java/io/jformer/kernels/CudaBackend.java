package io.jformer.kernels;

import io.jformer.tensor.AdamWStep;
import io.jformer.tensor.Backend;
import io.jformer.tensor.BinaryOp;
import io.jformer.tensor.CompareOp;
import io.jformer.tensor.CrossEntropyResult;
import io.jformer.tensor.DType;
import io.jformer.tensor.Device;
import io.jformer.tensor.Distribution;
import io.jformer.tensor.LayerNormGradients;
import io.jformer.tensor.LayerNormResult;
import io.jformer.tensor.ReduceOp;
import io.jformer.tensor.Reduction;
import io.jformer.tensor.Shape;
import io.jformer.tensor.ShapeMismatchException;
import io.jformer.tensor.Storage;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.UnaryOp;
import io.jformer.tensor.cpu.CpuStorage;

import java.util.List;

/**
 * The op set on an NVIDIA GPU (sm_90), on jformer's own PTX kernels through the JCuda driver API. Obtain it
 * with {@code Backends.forDevice(Device.cuda(i))} (one instance per device). Results match the CPU backend
 * within the tolerances stated in the tests; reductions and scatter-adds are deterministic.
 *
 * <p>Dtypes: arithmetic is fp32 as on the CPU, but every kernel also reads F16/BF16 operands (widening on load),
 * so fp16 activations need no conversion pass; outputs are F32 except {@link #matmul} of two F16 operands
 * (tensor cores, fp32 accumulation, F16 result, like {@code torch.matmul} under autocast), copies and fills.
 *
 * <p>All work goes to one stream in call order, so there is no synchronisation between ops; reading a result
 * back ({@link #toHost}) waits for it. Not meant to be driven from several threads at once.
 */
public final class CudaBackend implements Backend, AutoCloseable {

    private final CudaRuntime rt;
    private final ElementwiseOps ew;
    private final ReductionOps red;
    private final MatmulOps mm;
    private final NormOps norm;
    private final IndexOps index;
    private final LossOps loss;
    private final CudaAmpOps amp;

    CudaBackend(int deviceIndex) {
        this.rt = new CudaRuntime(deviceIndex);
        this.ew = new ElementwiseOps(rt);
        this.red = new ReductionOps(rt, ew);
        this.mm = new MatmulOps(rt, ew);
        this.norm = new NormOps(rt, ew);
        this.index = new IndexOps(rt, ew);
        this.loss = new LossOps(rt, ew, index);
        this.amp = new CudaAmpOps(rt);
    }

    @Override
    public Device device() {
        return rt.device;
    }

    /** The device's name as the driver reports it (e.g. "NVIDIA H200"). */
    public String deviceName() {
        return rt.deviceName;
    }

    /** The caching allocator's counters. */
    public AllocatorStats memoryStats() {
        return rt.allocator.stats();
    }

    /** Returns all cached (unused) device memory to the driver. */
    public void emptyCache() {
        rt.allocator.emptyCache();
    }

    /** Waits until every launched kernel and copy has finished. */
    @Override
    public void synchronize() {
        rt.synchronize();
    }

    /** Milliseconds of device time taken by the work {@code body} launches (CUDA events around it). */
    public float timeMillis(Runnable body) {
        return rt.time(body);
    }

    /**
     * Debugging aid: fill every new allocation with NaN, so a kernel that fails to write part of its output
     * shows up as NaN in a comparison (the kernel tests run with this on).
     */
    public void setPoisonAllocations(boolean on) {
        rt.setPoison(on);
    }

    /** Mixed-precision helpers (unscale with inf/NaN detection, global gradient norm) on this device. */
    public CudaAmpOps amp() {
        return amp;
    }

    @Override
    public void close() {
        rt.close();
    }

    // ---- memory -------------------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, int length) {
        return rt.allocate(dtype, length);
    }

    /**
     * A workspace's dead activation goes straight back to the allocator's cache, so the next op (or step) reuses
     * its block instead of waiting for the garbage collector to run the storage's cleaner. Safe while kernels
     * that read it are still queued: every later kernel runs after them on the one stream.
     */
    @Override
    public void recycle(Storage storage) {
        if (storage instanceof CudaStorage s) {
            s.close();
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        ew.copy(src, dst);
    }

    @Override
    public void fill(Tensor dst, double value) {
        ew.fill(dst, value);
    }

    @Override
    public Tensor toHost(Tensor src) {
        Checks.onDevice("toHost", rt.device, src);
        Tensor c = src;
        if (!src.isContiguous()) {
            c = rt.empty(src.shape(), src.dtype());
            ew.copy(src, c);
        }
        CpuStorage host = rt.download((CudaStorage) c.storage(), c.offset(), c.numel());
        return new Tensor(host, src.shape());
    }

    @Override
    public Tensor fromHost(Tensor hostTensor) {
        if (hostTensor.device().type() != Device.Type.CPU) {
            throw new IllegalArgumentException("fromHost: tensor is on " + hostTensor.device() + ", not the CPU");
        }
        Tensor c = hostTensor.contiguous();
        return new Tensor(rt.upload(c), c.shape());
    }

    @Override
    public void fillRandom(Tensor dst, Distribution dist, double p1, double p2, long seed, long counter) {
        ew.fillRandom(dst, dist, p1, p2, seed, counter);
    }

    // ---- elementwise --------------------------------------------------------------------------------

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        return ew.binary(op, a, b);
    }

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        return ew.unary(op, x);
    }

    @Override
    public Tensor unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy) {
        return ew.unaryBackward(op, x, y, dy);
    }

    @Override
    public Tensor compare(CompareOp op, Tensor a, Tensor b) {
        return ew.compare(op, a, b);
    }

    @Override
    public Tensor where(Tensor cond, Tensor a, Tensor b) {
        return ew.where(cond, a, b);
    }

    // ---- reductions ---------------------------------------------------------------------------------

    @Override
    public Tensor reduce(ReduceOp op, Tensor x, int[] dims, boolean keepDim) {
        return red.reduce(op, x, dims, keepDim);
    }

    @Override
    public Tensor argmax(Tensor x, int dim, boolean keepDim) {
        return red.argmax(x, dim, keepDim);
    }

    // ---- linear algebra -----------------------------------------------------------------------------

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        return mm.matmul(a, b);
    }

    /** F16 operands go to the tensor-core kernel, which sums in F32 and writes F32 (BF16: the default). */
    @Override
    public Tensor matmulReduced(Tensor a, Tensor b, DType operand) {
        if (operand != DType.F16) {
            return Backend.super.matmulReduced(a, b, operand);
        }
        return mm.run(half(a), half(b), null, MatmulOps.Activation.NONE, DType.F32);
    }

    /** As {@link #matmulReduced}, with the bias and a GELU fused into the kernel's F32 epilogue. */
    @Override
    public Tensor linearReduced(Tensor x, Tensor weight, Tensor bias, UnaryOp activation, DType operand) {
        if (operand != DType.F16) {
            return Backend.super.linearReduced(x, weight, bias, activation, operand);
        }
        boolean fused = activation == null || activation == UnaryOp.GELU || activation == UnaryOp.GELU_TANH;
        Tensor y = linear(half(x), half(weight), bias, fused ? activation : null, DType.F32);
        return fused ? y : unary(activation, y);
    }

    private static Tensor half(Tensor t) {
        return t.dtype() == DType.F16 ? t : t.to(DType.F16);
    }

    /**
     * {@code activation(x · w^T + bias)} for a Linear layer with weight {@code w[out, in]}: with F16 operands
     * one tensor-core kernel does the product, bias and activation; the result has dtype {@code outType}
     * (F16 or F32). {@code bias} may be null; {@code activation} is null, GELU or GELU_TANH.
     */
    public Tensor linear(Tensor x, Tensor w, Tensor bias, UnaryOp activation, DType outType) {
        MatmulOps.Activation act = activation == null ? MatmulOps.Activation.NONE : switch (activation) {
            case GELU -> MatmulOps.Activation.GELU;
            case GELU_TANH -> MatmulOps.Activation.GELU_TANH;
            default -> throw new IllegalArgumentException("linear: fused activation must be GELU or GELU_TANH, got "
                    + activation);
        };
        if (w.rank() != 2) {
            throw new ShapeMismatchException("linear: weight must be [out, in], got " + w.shape());
        }
        return mm.run(x, w.t(), bias, act, outType);
    }

    // ---- normalisation and attention ----------------------------------------------------------------

    @Override
    public Tensor softmax(Tensor x, int dim, double scale, Tensor mask, boolean log) {
        return norm.softmax(x, dim, scale, mask, log, DType.F32);
    }

    /** {@link #softmax} with the output in {@code outType} (F16 halves the memory of attention probabilities). */
    public Tensor softmax(Tensor x, int dim, double scale, Tensor mask, boolean log, DType outType) {
        return norm.softmax(x, dim, scale, mask, log, outType);
    }

    @Override
    public Tensor softmaxBackward(Tensor y, Tensor dy, int dim, double scale, boolean log) {
        return norm.softmaxBackward(y, dy, dim, scale, log);
    }

    @Override
    public LayerNormResult layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        return norm.layerNorm(x, weight, bias, eps, DType.F32);
    }

    /** {@link #layerNorm} with the normalised output in {@code outType}; statistics stay F32. */
    public LayerNormResult layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, DType outType) {
        return norm.layerNorm(x, weight, bias, eps, outType);
    }

    @Override
    public LayerNormGradients layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd) {
        return norm.layerNormBackward(dy, x, weight, mean, rstd);
    }

    // ---- indexing -----------------------------------------------------------------------------------

    @Override
    public Tensor embedding(Tensor weight, Tensor ids) {
        return index.embedding(weight, ids);
    }

    @Override
    public Tensor embeddingBackward(Tensor dy, Tensor ids, int numRows) {
        return index.embeddingBackward(dy, ids, numRows);
    }

    @Override
    public Tensor indexSelect(Tensor x, int dim, Tensor idx) {
        return index.indexSelect(x, dim, idx);
    }

    @Override
    public Tensor indexAdd(Shape shape, int dim, Tensor idx, Tensor src) {
        return index.indexAdd(shape, dim, idx, src);
    }

    @Override
    public Tensor concat(List<Tensor> parts, int dim) {
        return index.concat(parts, dim);
    }

    // ---- losses -------------------------------------------------------------------------------------

    @Override
    public CrossEntropyResult crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Reduction reduction) {
        return loss.crossEntropy(logits, targets, ignoreIndex, reduction);
    }

    @Override
    public Tensor crossEntropyBackward(Tensor dLoss, Tensor logits, Tensor targets, Tensor logSumExp, int ignoreIndex,
                                       Reduction reduction) {
        return loss.crossEntropyBackward(dLoss, logits, targets, logSumExp, ignoreIndex, reduction);
    }

    // ---- optimizer ----------------------------------------------------------------------------------

    /** One kernel pair per tensor into a device array, one download for all (no sync per tensor). */
    @Override
    public double sumOfSquares(List<Tensor> tensors) {
        return amp.sumOfSquares(tensors);
    }

    /** One flag on the device for all tensors, read once. */
    @Override
    public boolean unscaleAndCheckFinite(List<Tensor> tensors, double factor) {
        return amp.unscaleAndCheck(tensors, (float) factor);
    }

    /** Fused AdamW ({@code optim.cu}): the same fp32 operations in the same order as the CPU kernel, so results agree bit for bit. */
    @Override
    public void adamwStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep h) {
        Checks.onDevice("adamw", rt.device, param, grad, expAvg, expAvgSq);
        for (Tensor t : new Tensor[]{param, grad, expAvg, expAvgSq}) {
            if (t.dtype() != DType.F32 || !t.isContiguous() || !t.shape().equals(param.shape())) {
                throw new ShapeMismatchException("adamw: parameter " + param.shape() + ", gradient " + grad.shape()
                        + " and moments must be contiguous F32 tensors of one shape; got " + t.dtype() + " " + t.shape());
            }
        }
        int n = param.numel();
        if (n == 0) {
            return;
        }
        // Host-side constants exactly as io.jformer.tensor.cpu.OptimizerKernels computes them.
        float decay = (float) (1 - h.lr() * h.weightDecay());
        float stepSize = (float) (h.lr() / h.biasCorrection1());
        rt.launch("optim", "adamw_step", LaunchConfig.elementwise(n), param, param.offset(), grad, grad.offset(), expAvg,
                expAvg.offset(), expAvgSq, expAvgSq.offset(), n, decay, (float) h.beta1(), (float) h.beta2(),
                (float) (1 - h.beta1()), (float) (1 - h.beta2()), (float) Math.sqrt(h.biasCorrection2()),
                (float) h.eps(), stepSize);
    }
}
