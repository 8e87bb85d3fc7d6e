package io.jformer.kernels;

import io.jformer.tensor.AdamWStep;
import io.jformer.tensor.Backend;
import io.jformer.tensor.BinaryOp;
import io.jformer.tensor.CompareOp;
import io.jformer.tensor.CrossEntropyResult;
import io.jformer.tensor.DType;
import io.jformer.tensor.Device;
import io.jformer.tensor.Distribution;
import io.jformer.tensor.Generator;
import io.jformer.tensor.LayerNormGradients;
import io.jformer.tensor.LayerNormResult;
import io.jformer.tensor.ReduceOp;
import io.jformer.tensor.Reduction;
import io.jformer.tensor.Shape;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.UnaryOp;
import io.jformer.tensor.cpu.CpuBackend;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every CUDA kernel against the CPU backend, on fresh random inputs with odd sizes (no multiple of any tile),
 * with new device allocations poisoned with NaN so an unwritten output cannot pass. Tolerances: fp32 1e-5
 * relative (sums scaled by their length), fp16 inputs 1e-2; NaN matches only NaN. Shared by the JUnit test
 * and {@link GpuCheck}, which runs where there is no JUnit.
 */
final class KernelChecks {

    static final double F32_RTOL = 1e-5;
    static final double F16_RTOL = 1e-2;

    private final CudaBackend gpu;
    private final CpuBackend cpu;
    private final Device dev;
    private long seed;

    KernelChecks(CudaBackend gpu, CpuBackend cpu, long seed) {
        this.gpu = gpu;
        this.cpu = cpu;
        this.dev = gpu.device();
        this.seed = seed;
        gpu.setPoisonAllocations(true);
    }

    /** The checks by name, in a sensible order (memory first, then the ops that use it). */
    Map<String, Runnable> all() {
        Map<String, Runnable> m = new LinkedHashMap<>();
        m.put("transfer round trip (F32, F16, BF16, I64)", this::transfers);
        m.put("copy strided + dtype conversion", this::copies);
        m.put("fill", this::fills);
        m.put("random fill = Generator (normal, uniform, bernoulli)", this::random);
        m.put("binary ops with broadcasting", this::binaries);
        m.put("unary ops (incl. GELU erf/tanh)", this::unaries);
        m.put("unary backward", this::unaryBackwards);
        m.put("compare and where", this::compareWhere);
        m.put("reductions sum/mean/max/min", this::reductions);
        m.put("argmax", this::argmax);
        m.put("matmul fp32 (strided, batched, 1-D)", this::matmulF32);
        m.put("matmul fp16 tensor cores (mma.sync m16n8k16), 128-row tiles", () -> withTileRows(128, this::matmulF16));
        m.put("matmul fp16 tensor cores, 64-row tiles", () -> withTileRows(64, this::matmulF16));
        m.put("linear fp16 + bias + GELU epilogue (both tile heights)", () -> {
            withTileRows(128, this::linearF16);
            withTileRows(64, this::linearF16);
        });
        m.put("autocast products (F32 in, F16 operands, F32 out)", this::reducedProducts);
        m.put("softmax / log-softmax forward (scale, mask)", this::softmaxForward);
        m.put("softmax backward", this::softmaxBackward);
        m.put("layer norm forward/backward", this::layerNorm);
        m.put("embedding forward/backward (repeated ids)", this::embedding);
        m.put("index select / index add", this::indexOps);
        m.put("concat", this::concat);
        m.put("cross-entropy forward/backward", this::crossEntropy);
        m.put("AdamW step", this::adamw);
        m.put("AMP unscale + inf check, global grad norm", this::amp);
        return m;
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private Tensor randn(int... shape) {
        return Tensor.randn(new Generator(seed++), shape);
    }

    private Tensor positive(int... shape) {
        return cpu.binary(BinaryOp.ADD, cpu.unary(UnaryOp.ABS, randn(shape)), Tensor.scalar(0.1));
    }

    private Tensor up(Tensor t) {
        return t.to(dev);
    }

    private Tensor ids(int n, int max) {
        long[] v = new long[n];
        Generator g = new Generator(seed++);
        for (int i = 0; i < n; i++) {
            v[i] = (long) (Generator.uniform(g.seed(), i) * max);
        }
        return Tensor.ofLongs(v, n);
    }

    private static void f32(String what, Tensor want, Tensor got) {
        Compare.close(what, want, got, F32_RTOL, 1e-6);
    }

    // ---- checks -------------------------------------------------------------------------------------

    private void transfers() {
        Tensor x = randn(3, 1001);
        f32("F32", x, up(x).to(Device.CPU));
        for (DType t : new DType[]{DType.F16, DType.BF16}) {
            Tensor h = x.to(t);
            Compare.close(t + " bits", h, up(h).to(Device.CPU), 0, 0);
        }
        Tensor i = ids(777, 1 << 30);
        Compare.exactLongs("I64", i, up(i).to(Device.CPU));
        // Larger than one pinned buffer: exercises the chunked path.
        Tensor big = randn(3, 1_000_003);
        f32("F32 chunked", big, up(big).to(Device.CPU));
    }

    private void copies() {
        Tensor x = randn(37, 53, 3);
        Tensor g = up(x);
        Tensor view = x.permute(2, 0, 1).narrow(1, 5, 31);
        Tensor gview = g.permute(2, 0, 1).narrow(1, 5, 31);
        Tensor out = Tensor.empty(view.shape(), DType.F32, dev);
        gpu.copy(gview, out);
        f32("permuted narrow copy", view.contiguous(), out);
        for (DType[] c : new DType[][]{{DType.F32, DType.F16}, {DType.F32, DType.BF16}, {DType.F16, DType.F32},
                {DType.F32, DType.I64}, {DType.I64, DType.F32}, {DType.F16, DType.BF16}}) {
            Tensor src = c[0] == DType.I64 ? ids(999, 100000) : x.mul(100).to(c[0]);
            Tensor want = src.to(c[1]);
            Tensor got = Tensor.empty(src.shape(), c[1], dev);
            gpu.copy(up(src), got);
            if (c[1] == DType.I64) {
                Compare.exactLongs(c[0] + "->" + c[1], want, got);
            } else {
                Compare.close(c[0] + "->" + c[1], want, got, 0, 0);
            }
        }
        Tensor special = Tensor.of(new float[]{Float.NaN, Float.POSITIVE_INFINITY, -0f, 65520f, 1e-8f, -3.75f}, 6);
        Compare.close("F32->F16 special values", special.to(DType.F16), up(special).to(DType.F16), 0, 0);
    }

    private void fills() {
        for (DType t : DType.values()) {
            Tensor g = Tensor.empty(Shape.of(7, 9), t, dev);
            gpu.fill(g.narrow(1, 2, 5), -2.5);
            Tensor c = Tensor.zeros(7, 9).to(t);
            cpu.fill(c, 0);
            cpu.fill(c.narrow(1, 2, 5), -2.5);
            Tensor gv = g.narrow(1, 2, 5);
            if (t == DType.I64) {
                Compare.exactLongs("fill " + t, c.narrow(1, 2, 5), gv);
            } else {
                Compare.close("fill " + t, c.narrow(1, 2, 5), gv, 0, 0);
            }
        }
    }

    private void random() {
        for (Distribution d : Distribution.values()) {
            Tensor c = Tensor.empty(Shape.of(100_003), DType.F32, Device.CPU);
            Tensor g = Tensor.empty(Shape.of(100_003), DType.F32, dev);
            cpu.fillRandom(c, d, d == Distribution.BERNOULLI ? 0.1 : 0.5, 2.0, 42, 1234567);
            gpu.fillRandom(g, d, d == Distribution.BERNOULLI ? 0.1 : 0.5, 2.0, 42, 1234567);
            // Uniform and Bernoulli are integer arithmetic: identical. Normal uses log/cos, 1-ulp apart at most.
            Compare.close("random " + d, c, g, d == Distribution.NORMAL ? 1e-6 : 0, d == Distribution.NORMAL ? 1e-6 : 0);
        }
    }

    private void binaries() {
        Tensor a = randn(5, 1, 37);
        Tensor b = randn(3, 37);
        Tensor pa = positive(5, 1, 37);
        for (BinaryOp op : BinaryOp.values()) {
            Tensor x = op == BinaryOp.POW ? pa : a;
            f32(op + " broadcast", cpu.binary(op, x, b), gpu.binary(op, up(x), up(b)));
        }
        Tensor m = randn(41, 29);
        Tensor gm = up(m);
        f32("ADD transposed", cpu.binary(BinaryOp.ADD, m.t(), m.t()), gpu.binary(BinaryOp.ADD, gm.t(), gm.t()));
        f32("MUL scalar", cpu.binary(BinaryOp.MUL, m, Tensor.scalar(3)), gpu.binary(BinaryOp.MUL, gm, up(Tensor.scalar(3))));
        Tensor h = m.to(DType.F16);
        f32("ADD F16 operand", cpu.binary(BinaryOp.ADD, h.to(DType.F32), m), gpu.binary(BinaryOp.ADD, up(h), gm));
        Tensor nan = Tensor.of(new float[]{Float.NaN, 1, 2}, 3);
        Tensor one = Tensor.of(new float[]{0, Float.NaN, 5}, 3);
        f32("MAXIMUM NaN", cpu.binary(BinaryOp.MAXIMUM, nan, one), gpu.binary(BinaryOp.MAXIMUM, up(nan), up(one)));
        f32("MINIMUM NaN", cpu.binary(BinaryOp.MINIMUM, nan, one), gpu.binary(BinaryOp.MINIMUM, up(nan), up(one)));
    }

    private static boolean needsPositive(UnaryOp op) {
        return op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT;
    }

    private void unaries() {
        Tensor x = randn(13, 257).mul(3);
        Tensor p = positive(13, 257);
        for (UnaryOp op : UnaryOp.values()) {
            Tensor in = needsPositive(op) ? p : x;
            Compare.close(op.name(), cpu.unary(op, in), gpu.unary(op, up(in)), 1e-5, 1e-6);
        }
        Tensor t = x.t();
        f32("GELU transposed", cpu.unary(UnaryOp.GELU, t), gpu.unary(UnaryOp.GELU, up(x).t()));
    }

    private void unaryBackwards() {
        Tensor x = randn(7, 131).mul(2);
        Tensor p = positive(7, 131);
        Tensor dy = randn(7, 131);
        for (UnaryOp op : UnaryOp.values()) {
            Tensor in = needsPositive(op) ? p : x;
            Tensor y = cpu.unary(op, in);
            Compare.close(op + " backward", cpu.unaryBackward(op, in, y, dy),
                    gpu.unaryBackward(op, up(in), up(y), up(dy)), 1e-5, 1e-6);
        }
    }

    private void compareWhere() {
        Tensor a = randn(9, 1, 23);
        Tensor b = randn(4, 23);
        Tensor bg = up(b);
        b = bg.to(Device.CPU);
        Tensor ag = up(a);
        for (CompareOp op : CompareOp.values()) {
            Compare.close(op.name(), cpu.compare(op, a, b), gpu.compare(op, ag, bg), 0, 0);
            Compare.close(op + " self", cpu.compare(op, a, a), gpu.compare(op, ag, ag), 0, 0);
        }
        Tensor cond = cpu.compare(CompareOp.GT, a, b);
        Compare.close("where", cpu.where(cond, a, b), gpu.where(up(cond), ag, bg), 0, 0);
    }

    private void reductions() {
        Tensor x = randn(13, 67, 29);
        Tensor g = up(x);
        int[][] dimSets = {{}, {0}, {1}, {2}, {0, 2}, {1, 2}, {0, 1}};
        for (ReduceOp op : ReduceOp.values()) {
            for (int[] dims : dimSets) {
                for (boolean keep : new boolean[]{false, true}) {
                    String what = op + " dims " + java.util.Arrays.toString(dims) + (keep ? " keepDim" : "");
                    // Sums of n terms differ from the CPU's order by about n·eps·mean|x|.
                    int n = 1;
                    for (int d : dims) {
                        n *= x.size(d);
                    }
                    if (dims.length == 0) {
                        n = x.numel();
                    }
                    double atol = op == ReduceOp.SUM ? 1e-6 * n : 1e-6;
                    Compare.close(what, cpu.reduce(op, x, dims, keep), gpu.reduce(op, g, dims, keep), 1e-5, atol);
                }
            }
        }
        Tensor longRow = randn(3, 200_003);
        Compare.close("SUM long rows (split)", cpu.reduce(ReduceOp.SUM, longRow, new int[]{1}, false),
                gpu.reduce(ReduceOp.SUM, up(longRow), new int[]{1}, false), 1e-5, 1e-6 * 200_003);
        Compare.close("MAX long rows (split)", cpu.reduce(ReduceOp.MAX, longRow, new int[]{1}, false),
                gpu.reduce(ReduceOp.MAX, up(longRow), new int[]{1}, false), 0, 0);
        Tensor t = x.transpose(0, 2);
        Compare.close("MEAN strided", cpu.reduce(ReduceOp.MEAN, t, new int[]{1}, false),
                gpu.reduce(ReduceOp.MEAN, g.transpose(0, 2), new int[]{1}, false), 1e-5, 1e-6);
        Tensor withNaN = Tensor.of(new float[]{1, Float.NaN, 3, 4, 5, 6}, 2, 3);
        Compare.close("MAX with NaN", cpu.reduce(ReduceOp.MAX, withNaN, new int[]{1}, false),
                gpu.reduce(ReduceOp.MAX, up(withNaN), new int[]{1}, false), 0, 0);
    }

    private void argmax() {
        Tensor x = randn(11, 301, 7);
        Tensor g = up(x);
        for (int d = 0; d < 3; d++) {
            Compare.exactLongs("argmax dim " + d, cpu.argmax(x, d, false), gpu.argmax(g, d, false));
            Compare.exactLongs("argmax dim " + d + " keepDim", cpu.argmax(x, d, true), gpu.argmax(g, d, true));
        }
        Tensor ties = Tensor.of(new float[]{1, 3, 3, 0, Float.NaN, 2, Float.NaN, 5}, 2, 4);
        Compare.exactLongs("argmax ties and NaN", cpu.argmax(ties, 1, false), gpu.argmax(up(ties), 1, false));
    }

    private void matmulF32() {
        int[][][] cases = {
                {{67, 131}, {131, 45}},
                {{1, 1}, {1, 1}},
                {{3, 1, 33, 71}, {5, 71, 29}},
                {{130, 129}, {129, 65}},
        };
        for (int[][] c : cases) {
            Tensor a = randn(c[0]);
            Tensor b = randn(c[1]);
            int k = c[0][c[0].length - 1];
            Compare.close("matmul " + Shape.of(c[0]) + "x" + Shape.of(c[1]), cpu.matmul(a, b), gpu.matmul(up(a), up(b)),
                    1e-5, 1e-6 * k);
        }
        Tensor a = randn(131, 67);
        Tensor b = randn(45, 131);
        Compare.close("matmul A^T B^T", cpu.matmul(a.t(), b.t()), gpu.matmul(up(a).t(), up(b).t()), 1e-5, 1e-6 * 131);
        Tensor v = randn(131);
        Compare.close("matmul vector", cpu.matmul(a.t(), v), gpu.matmul(up(a).t(), up(v)), 1e-5, 1e-6 * 131);
        Compare.close("matmul vector-matrix", cpu.matmul(v, a), gpu.matmul(up(v), up(a)), 1e-5, 1e-6 * 131);
    }

    /** fp16 operands: the reference multiplies the same fp16-rounded values in fp32. */
    private void matmulF16() {
        int[][][] cases = {
                {{67, 131}, {131, 45}},
                {{257, 200}, {200, 129}},
                {{3, 1, 33, 71}, {5, 71, 29}},
                {{130, 256}, {256, 136}},
                {{1, 17}, {17, 1}},
        };
        for (int[][] c : cases) {
            Tensor a = randn(c[0]).to(DType.F16);
            Tensor b = randn(c[1]).to(DType.F16);
            Tensor want = cpu.matmul(a.to(DType.F32), b.to(DType.F32));
            Tensor got = gpu.matmul(up(a), up(b));
            Compare.close("hgemm " + Shape.of(c[0]) + "x" + Shape.of(c[1]), want, got, F16_RTOL, 1e-2);
        }
        // Transposed operands (the backward pass's dW = dY^T X and dX = dY W), including the vector-load path.
        Tensor x = randn(264, 136).to(DType.F16);
        Tensor w = randn(72, 136).to(DType.F16);
        Tensor xf = x.to(DType.F32);
        Tensor wf = w.to(DType.F32);
        Compare.close("hgemm A B^T (vector loads)", cpu.matmul(xf, wf.t()), gpu.matmul(up(x), up(w).t()), F16_RTOL, 1e-2);
        Compare.close("hgemm A^T B", cpu.matmul(xf.t(), xf), gpu.matmul(up(x).t(), up(x)), F16_RTOL, 5e-2);
        Tensor q = randn(2, 3, 77, 40).to(DType.F16);
        Tensor qf = q.to(DType.F32);
        Compare.close("hgemm batched Q K^T", cpu.matmul(qf, qf.transpose(-1, -2)),
                gpu.matmul(up(q), up(q).transpose(-1, -2)), F16_RTOL, 1e-2);
    }

    private static void withTileRows(int rows, Runnable check) {
        MatmulOps.forcedTileRows = rows;
        try {
            check.run();
        } finally {
            MatmulOps.forcedTileRows = 0;
        }
    }

    /**
     * matmulReduced/linearReduced against the CPU's definition (operands rounded to F16, then an F32 product):
     * a product of two halves is exact in F32, so only the summation order differs (F32 tolerance, scaled by
     * the sum's length through the absolute term).
     */
    private void reducedProducts() {
        Tensor a = randn(67, 131);
        Tensor b = randn(131, 45);
        Compare.close("matmulReduced", cpu.matmulReduced(a, b, DType.F16), gpu.matmulReduced(up(a), up(b), DType.F16),
                1e-4, 1e-4);
        Tensor bt = randn(45, 131);
        Compare.close("matmulReduced A B^T", cpu.matmulReduced(a, bt.t(), DType.F16),
                gpu.matmulReduced(up(a), up(bt).t(), DType.F16), 1e-4, 1e-4);
        Tensor q = randn(2, 3, 37, 24);
        Compare.close("matmulReduced batched", cpu.matmulReduced(q, q.transpose(-1, -2), DType.F16),
                gpu.matmulReduced(up(q), up(q).transpose(-1, -2), DType.F16), 1e-4, 1e-4);
        Tensor x = randn(3, 43, 136);
        Tensor w = randn(200, 136).mul(0.1);
        Tensor bias = randn(200);
        for (UnaryOp act : new UnaryOp[]{null, UnaryOp.GELU, UnaryOp.TANH}) {
            Compare.close("linearReduced " + act, cpu.linearReduced(x, w, bias, act, DType.F16),
                    gpu.linearReduced(up(x), up(w), up(bias), act, DType.F16), 1e-4, 1e-4);
        }
    }

    private void linearF16() {
        Tensor x = randn(3, 43, 136).to(DType.F16);
        Tensor w = randn(200, 136).mul(0.1).to(DType.F16);
        Tensor b = randn(200);
        Tensor pre = cpu.binary(BinaryOp.ADD, cpu.matmul(x.to(DType.F32), w.to(DType.F32).t()), b);
        for (UnaryOp act : new UnaryOp[]{null, UnaryOp.GELU, UnaryOp.GELU_TANH}) {
            Tensor want = act == null ? pre : cpu.unary(act, pre);
            Compare.close("linear " + act + " F32 out", want, gpu.linear(up(x), up(w), up(b), act, DType.F32), F16_RTOL, 1e-2);
            Compare.close("linear " + act + " F16 out", want, gpu.linear(up(x), up(w), up(b), act, DType.F16), F16_RTOL, 2e-2);
        }
        Compare.close("linear fp32 path", cpu.matmul(x.to(DType.F32), w.to(DType.F32).t()),
                gpu.linear(up(x.to(DType.F32)), up(w.to(DType.F32)), null, null, DType.F32), 1e-5, 1e-4);
    }

    private void softmaxForward() {
        int b = 3;
        int h = 5;
        int t = 37;
        Tensor x = randn(b, h, t, t);
        float[] m = new float[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                m[i * t + j] = j >= t - 4 * i ? Float.NEGATIVE_INFINITY : 0f; // padded tails
            }
        }
        Tensor mask = Tensor.of(m, b, 1, 1, t);
        Tensor gx = up(x);
        Tensor gm = up(mask);
        for (boolean log : new boolean[]{false, true}) {
            f32("softmax log=" + log, cpu.softmax(x, 3, 0.125, mask, log), gpu.softmax(gx, 3, 0.125, gm, log));
            f32("softmax dim 1 log=" + log, cpu.softmax(x, 1, 1.0, null, log), gpu.softmax(gx, 1, 1.0, null, log));
        }
        Tensor allMasked = Tensor.full(Float.NEGATIVE_INFINITY, 2, 7);
        f32("softmax fully masked row", cpu.softmax(allMasked, 1, 1, null, false), gpu.softmax(up(allMasked), 1, 1, null, false));
        Tensor xh = x.to(DType.F16);
        Compare.close("softmax F16 in/out", cpu.softmax(xh.to(DType.F32), 3, 0.125, mask, false),
                gpu.softmax(up(xh), 3, 0.125, gm, false, DType.F16), F16_RTOL, 1e-3);
    }

    private void softmaxBackward() {
        Tensor x = randn(4, 9, 53);
        Tensor dy = randn(4, 9, 53);
        for (boolean log : new boolean[]{false, true}) {
            Tensor y = cpu.softmax(x, 2, 0.5, null, log);
            f32("softmax backward log=" + log, cpu.softmaxBackward(y, dy, 2, 0.5, log),
                    gpu.softmaxBackward(up(y), up(dy), 2, 0.5, log));
            Tensor y1 = cpu.softmax(x, 1, 1, null, log);
            f32("softmax backward dim 1 log=" + log, cpu.softmaxBackward(y1, dy, 1, 1, log),
                    gpu.softmaxBackward(up(y1), up(dy), 1, 1, log));
        }
    }

    private void layerNorm() {
        Tensor x = randn(5, 37, 771).mul(2).add(0.5);
        Tensor w = randn(771);
        Tensor bias = randn(771);
        LayerNormResult c = cpu.layerNorm(x, w, bias, 1e-12);
        LayerNormResult g = gpu.layerNorm(up(x), up(w), up(bias), 1e-12);
        f32("layer norm output", c.output(), g.output());
        f32("layer norm mean", c.mean(), g.mean());
        f32("layer norm rstd", c.rstd(), g.rstd());
        LayerNormResult noAffine = gpu.layerNorm(up(x), null, null, 1e-5);
        f32("layer norm no affine", cpu.layerNorm(x, null, null, 1e-5).output(), noAffine.output());
        Tensor dy = randn(5, 37, 771);
        LayerNormGradients cg = cpu.layerNormBackward(dy, x, w, c.mean(), c.rstd());
        LayerNormGradients gg = gpu.layerNormBackward(up(dy), up(x), up(w), g.mean(), g.rstd());
        Compare.close("layer norm dx", cg.dx(), gg.dx(), 1e-4, 1e-5);
        Compare.close("layer norm dweight", cg.dWeight(), gg.dWeight(), 1e-4, 1e-6 * 185);
        Compare.close("layer norm dbias", cg.dBias(), gg.dBias(), 1e-4, 1e-6 * 185);
    }

    private void embedding() {
        Tensor w = randn(1001, 67);
        long[] id = ids(3 * 41, 1001).toLongArray();
        id[5] = id[7] = id[100] = 13; // repeats
        Tensor ids = Tensor.ofLongs(id, 3, 41);
        f32("embedding", cpu.embedding(w, ids), gpu.embedding(up(w), up(ids)));
        Tensor dy = randn(3, 41, 67);
        f32("embedding backward", cpu.embeddingBackward(dy, ids, 1001), gpu.embeddingBackward(up(dy), up(ids), 1001));
    }

    private void indexOps() {
        Tensor x = randn(7, 19, 5);
        Tensor idx = Tensor.ofLongs(new long[]{3, 0, 18, 3, 7}, 5);
        for (int d = 0; d < 3; d++) {
            Tensor index = d == 0 ? Tensor.ofLongs(new long[]{6, 0, 6}, 3) : d == 1 ? idx : Tensor.ofLongs(new long[]{4, 1}, 2);
            Tensor sel = cpu.indexSelect(x, d, index);
            f32("index select dim " + d, sel, gpu.indexSelect(up(x), d, up(index)));
            f32("index add dim " + d, cpu.indexAdd(x.shape(), d, index, sel),
                    gpu.indexAdd(x.shape(), d, up(index), up(sel)));
        }
        Tensor li = ids(5, 100);
        Compare.exactLongs("index select I64", cpu.indexSelect(li, 0, Tensor.ofLongs(new long[]{4, 4, 1}, 3)),
                gpu.indexSelect(up(li), 0, up(Tensor.ofLongs(new long[]{4, 4, 1}, 3))));
    }

    private void concat() {
        Tensor a = randn(3, 5, 7);
        Tensor b = randn(3, 2, 7);
        Tensor c = randn(3, 9, 7);
        f32("concat dim 1", cpu.concat(List.of(a, b, c), 1), gpu.concat(List.of(up(a), up(b), up(c)), 1));
        f32("concat transposed views", cpu.concat(List.of(a.transpose(0, 2), a.transpose(0, 2)), 0),
                gpu.concat(List.of(up(a).transpose(0, 2), up(a).transpose(0, 2)), 0));
    }

    private void crossEntropy() {
        int n = 45;
        int c = 1003;
        Tensor logits = randn(n, c).mul(3);
        long[] t = ids(n, c).toLongArray();
        t[3] = -100;
        t[17] = -100;
        Tensor targets = Tensor.ofLongs(t, n);
        Tensor gl = up(logits);
        Tensor gt = up(targets);
        for (Reduction r : Reduction.values()) {
            CrossEntropyResult cr = cpu.crossEntropy(logits, targets, -100, r);
            CrossEntropyResult gr = gpu.crossEntropy(gl, gt, -100, r);
            f32("cross-entropy " + r, cr.loss(), gr.loss());
            f32("cross-entropy lse " + r, cr.logSumExp(), gr.logSumExp());
            Tensor dLoss = r == Reduction.NONE ? randn(n) : Tensor.scalar(0.75);
            f32("cross-entropy backward " + r,
                    cpu.crossEntropyBackward(dLoss, logits, targets, cr.logSumExp(), -100, r),
                    gpu.crossEntropyBackward(up(dLoss), gl, gt, gr.logSumExp(), -100, r));
        }
    }

    private void adamw() {
        int n = 100_003;
        Tensor p = randn(n);
        Tensor g = randn(n);
        Tensor m = randn(n).mul(0.1);
        Tensor v = positive(n).mul(0.01);
        Tensor gp = up(p);
        Tensor gm = up(m);
        Tensor gv = up(v);
        Tensor gg = up(g);
        for (long step = 1; step <= 3; step++) {
            AdamWStep h = new AdamWStep(2e-5 * step, 0.9, 0.999, 1e-8, 0.01, step);
            cpu.adamwStep(p, g, m, v, h);
            gpu.adamwStep(gp, gg, gm, gv, h);
        }
        // Same fp32 operations in the same order, FMA contraction off: expected bit-identical; allow 1e-6.
        Compare.close("adamw param", p, gp, 1e-6, 0);
        Compare.close("adamw exp_avg", m, gm, 1e-6, 0);
        Compare.close("adamw exp_avg_sq", v, gv, 1e-6, 0);
    }

    private void amp() {
        Tensor a = randn(1001);
        Tensor b = randn(3, 77);
        Tensor ga = up(a);
        Tensor gb = up(b);
        boolean cpuInf = AmpReference.unscaleAndCheck(List.of(a, b), 1f / 65536);
        boolean gpuInf = gpu.amp().unscaleAndCheck(List.of(ga, gb), 1f / 65536);
        if (cpuInf || gpuInf) {
            throw new AssertionError("unscale reported inf on finite gradients");
        }
        Compare.close("unscale", a, ga, 0, 0);
        Compare.close("unscale 2", b, gb, 0, 0);
        Tensor bad = Tensor.of(new float[]{1, 2, Float.POSITIVE_INFINITY, 4}, 4);
        if (!gpu.amp().unscaleAndCheck(List.of(ga, up(bad)), 1f)) {
            throw new AssertionError("unscale missed an inf");
        }
        Tensor big = randn(1_000_003);
        double want = AmpReference.globalNorm(List.of(a, b, big));
        double got = gpu.amp().globalNorm(List.of(ga, gb, up(big)));
        if (!(Math.abs(want - got) <= 1e-9 * want)) {
            throw new AssertionError("global norm " + got + ", expected " + want);
        }
    }
}
