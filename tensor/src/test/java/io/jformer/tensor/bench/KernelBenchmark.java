package io.jformer.tensor.bench;

import io.jformer.tensor.AdamWStep;
import io.jformer.tensor.BinaryOp;
import io.jformer.tensor.DType;
import io.jformer.tensor.Device;
import io.jformer.tensor.Distribution;
import io.jformer.tensor.Generator;
import io.jformer.tensor.LayerNormGradients;
import io.jformer.tensor.LayerNormResult;
import io.jformer.tensor.ReduceOp;
import io.jformer.tensor.Tensor;
import io.jformer.tensor.UnaryOp;
import io.jformer.tensor.Workspace;
import io.jformer.tensor.cpu.CpuBackend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Memory-bound CPU kernels at BERT-base sizes (batch 16 × 128 tokens, hidden 768, 12 heads, intermediate
 * 3072), through {@code new CpuBackend(threads)}. Scores are milliseconds per op; each op's minimum
 * memory traffic (fp32 bytes read + written, every operand touched once, outputs included) is in
 * {@link #BYTES_PER_OP}, so
 * <pre>  GB/s = BYTES_PER_OP[benchmark] / (score_ms · 1e6)</pre>
 * <table>
 * <caption>bytes per op (N = elements of the big tensor)</caption>
 * <tr><th>benchmark</th><th>shape</th><th>traffic</th><th>bytes</th></tr>
 * <tr><td>softmaxForward</td><td>[192,128,128], N = 3,145,728</td><td>read x, write y: 8N</td><td>25,165,824</td></tr>
 * <tr><td>softmaxBackward</td><td>[192,128,128]</td><td>read y, dy, write dx: 12N</td><td>37,748,736</td></tr>
 * <tr><td>layerNormForward</td><td>[2048,768], N = 1,572,864</td><td>read x, w, b; write y, mean, rstd:
 * 8N + 2·4·768 + 2·4·2048</td><td>12,605,440</td></tr>
 * <tr><td>layerNormBackward</td><td>[2048,768]</td><td>read dy, x, w, mean, rstd; write dx, dw, db:
 * 12N + 3·4·768 + 2·4·2048</td><td>18,899,968</td></tr>
 * <tr><td>geluForward</td><td>[2048,3072], N = 6,291,456</td><td>read x, write y: 8N</td><td>50,331,648</td></tr>
 * <tr><td>geluBackward</td><td>[2048,3072]</td><td>read x, dy, write dx: 12N (y is passed but exact
 * GELU's derivative does not read it)</td><td>75,497,472</td></tr>
 * <tr><td>biasGradient</td><td>[2048,3072]</td><td>read dy, write its column sums: 4N + 4·3072</td>
 * <td>25,178,112</td></tr>
 * <tr><td>dropoutFused, dropoutStoredMask</td><td>[2048,3072]</td><td>read x, write y: 8N (the stored-mask
 * reference, what {@code Backend}'s default does, also writes and reads the mask twice)</td><td>50,331,648</td></tr>
 * <tr><td>adamwStep</td><td>[22,700,000] (all-MiniLM-L6-v2's parameters)</td><td>read p, g, m, v; write p, m, v:
 * 28N</td><td>635,600,000</td></tr>
 * </table>
 * Every op runs inside a {@link Workspace}, as the trainer runs it: outputs come from the pool, so the score is
 * the kernel and not the JVM zeroing a fresh array.
 * Run: {@code java -cp <test classes + deps> org.openjdk.jmh.Main io.jformer.tensor.bench -p threads=2}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class KernelBenchmark {

    private static final int HEADS_ROWS = 16 * 12 * 128;
    private static final int SEQ = 128;
    private static final int TOKENS = 16 * 128;
    private static final int HIDDEN = 768;
    private static final int INTERMEDIATE = 3072;
    private static final int PARAMETERS = 22_700_000;

    /** Minimum bytes read + written per op, by benchmark method name (see the class comment). */
    public static final Map<String, Long> BYTES_PER_OP = Map.of(
            "softmaxForward", 8L * HEADS_ROWS * SEQ,
            "softmaxBackward", 12L * HEADS_ROWS * SEQ,
            "layerNormForward", 8L * TOKENS * HIDDEN + 2 * 4L * HIDDEN + 2 * 4L * TOKENS,
            "layerNormBackward", 12L * TOKENS * HIDDEN + 3 * 4L * HIDDEN + 2 * 4L * TOKENS,
            "geluForward", 8L * TOKENS * INTERMEDIATE,
            "geluBackward", 12L * TOKENS * INTERMEDIATE,
            "biasGradient", 4L * TOKENS * INTERMEDIATE + 4L * INTERMEDIATE,
            "dropoutFused", 8L * TOKENS * INTERMEDIATE,
            "dropoutStoredMask", 8L * TOKENS * INTERMEDIATE,
            "adamwStep", 28L * PARAMETERS);

    @Param("2")
    public int threads;

    private CpuBackend backend;
    private Tensor scores;
    private Tensor probs;
    private Tensor dProbs;
    private Tensor hidden;
    private Tensor gamma;
    private Tensor beta;
    private Tensor dHidden;
    private LayerNormResult normed;
    private Tensor ffn;
    private Tensor ffnOut;
    private Tensor dFfn;
    private Tensor param;
    private Tensor paramGrad;
    private Tensor expAvg;
    private Tensor expAvgSq;
    private Tensor query;
    private Tensor key;
    private Tensor value;
    private Tensor padding;

    @Setup(Level.Trial)
    public void setUp() {
        backend = new CpuBackend(threads);
        Generator gen = new Generator(42);
        scores = Tensor.randn(gen, 16 * 12, SEQ, SEQ).mul(3.0);
        probs = backend.softmax(scores, -1, 0.125, null, false);
        dProbs = Tensor.randn(gen, 16 * 12, SEQ, SEQ);
        hidden = Tensor.randn(gen, TOKENS, HIDDEN);
        gamma = Tensor.rand(gen, HIDDEN).add(0.5);
        beta = Tensor.randn(gen, HIDDEN).mul(0.1);
        dHidden = Tensor.randn(gen, TOKENS, HIDDEN);
        normed = backend.layerNorm(hidden, gamma, beta, 1e-12);
        ffn = Tensor.randn(gen, TOKENS, INTERMEDIATE).mul(2.0);
        ffnOut = backend.unary(UnaryOp.GELU, ffn);
        dFfn = Tensor.randn(gen, TOKENS, INTERMEDIATE);
        param = Tensor.randn(gen, PARAMETERS);
        paramGrad = Tensor.randn(gen, PARAMETERS);
        expAvg = Tensor.zeros(PARAMETERS);
        expAvgSq = Tensor.zeros(PARAMETERS);
        query = heads(gen);
        key = heads(gen);
        value = heads(gen);
        padding = Tensor.zeros(16, 1, 1, SEQ);
    }

    /** [16, 12, 128, 64] head views of a [16, 128, 768] projection, as BertSelfAttention makes them. */
    private static Tensor heads(Generator gen) {
        return Tensor.randn(gen, 16, SEQ, HIDDEN).reshape(16, SEQ, 12, HIDDEN / 12).permute(0, 2, 1, 3);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    public Tensor softmaxForward() {
        try (Workspace ws = Workspace.open()) {
            return backend.softmax(scores, -1, 0.125, null, false);
        }
    }

    @Benchmark
    public Tensor softmaxBackward() {
        try (Workspace ws = Workspace.open()) {
            return backend.softmaxBackward(probs, dProbs, -1, 0.125, false);
        }
    }

    @Benchmark
    public LayerNormResult layerNormForward() {
        try (Workspace ws = Workspace.open()) {
            return backend.layerNorm(hidden, gamma, beta, 1e-12);
        }
    }

    @Benchmark
    public LayerNormGradients layerNormBackward() {
        try (Workspace ws = Workspace.open()) {
            return backend.layerNormBackward(dHidden, hidden, gamma, normed.mean(), normed.rstd());
        }
    }

    @Benchmark
    public Tensor geluForward() {
        try (Workspace ws = Workspace.open()) {
            return backend.unary(UnaryOp.GELU, ffn);
        }
    }

    @Benchmark
    public Tensor geluBackward() {
        try (Workspace ws = Workspace.open()) {
            return backend.unaryBackward(UnaryOp.GELU, ffn, ffnOut, dFfn);
        }
    }

    /** A linear layer's bias gradient: the output gradient summed over its rows (the FFN's up projection). */
    @Benchmark
    public Tensor biasGradient() {
        try (Workspace ws = Workspace.open()) {
            return backend.reduce(ReduceOp.SUM, dFfn, new int[]{0}, false);
        }
    }

    /** One AdamW update of a MiniLM-sized parameter set (the state drifts from call to call; the work does not). */
    @Benchmark
    public Tensor adamwStep() {
        backend.adamwStep(param, paramGrad, expAvg, expAvgSq, new AdamWStep(2e-5, 0.9, 0.999, 1e-8, 0.01, 10));
        return param;
    }

    /** Inverted dropout, p = 0.1, mask drawn in the same pass. */
    @Benchmark
    public Tensor dropoutFused() {
        try (Workspace ws = Workspace.open()) {
            return backend.dropout(ffn, 0.1, 42, 0);
        }
    }

    /** The same dropout as Backend's default composes it: a stored 0/1 mask, scaled, then multiplied. */
    @Benchmark
    public Tensor dropoutStoredMask() {
        try (Workspace ws = Workspace.open()) {
            Tensor mask = Tensor.empty(ffn.shape(), DType.F32, Device.CPU);
            backend.fillRandom(mask, Distribution.BERNOULLI, 0.9, 0, 42, 0);
            Tensor scaled = backend.binary(BinaryOp.MUL, mask, Tensor.scalar(1 / 0.9));
            return backend.binary(BinaryOp.MUL, ffn, scaled);
        }
    }

    /**
     * Inference attention at bert-base sizes with a padding mask, fused (no [16, 12, 128, 128] score tensor).
     * Not memory-bound, so not in {@link #BYTES_PER_OP}: compare it with {@link #attentionComposed}.
     */
    @Benchmark
    public Tensor attentionFused() {
        try (Workspace ws = Workspace.open()) {
            return backend.attention(query, key, value, 0.125, padding);
        }
    }

    /** The same attention as Backend's default composes it: matmul, softmax, matmul, storing scores and probabilities. */
    @Benchmark
    public Tensor attentionComposed() {
        try (Workspace ws = Workspace.open()) {
            Tensor p = backend.softmax(backend.matmul(query, key.transpose(-2, -1)), 3, 0.125, padding, false);
            return backend.matmul(p, value);
        }
    }
}
