package io.jformer.tensor.bench;

import io.jformer.tensor.cpu.Sgemm;
import io.jformer.tensor.cpu.WorkerPool;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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

/**
 * {@link Sgemm} at the BERT-base shapes (sequence 128, batch 16, hidden 768, intermediate 3072, 12 heads).
 * Reports time per product; scripts/bench.sh turns it into GFLOP/s from the shape.
 *
 * <p>{@code shape} is {@code MxNxK} for one product or {@code BATCHxMxNxK} for a batch. The batches are the
 * attention products: scores (Q·K^T, multiplying by a transposed view of K) and context (P·V). A leading
 * {@code t} reads A through a transposed view: a linear layer's weight gradient dY^T·X (m = out features,
 * n = in features, k = tokens). A leading {@code w} reads B through a transposed view: a linear layer's forward
 * X·W^T with W stored [out, in] as Hugging Face stores it (n = out features, k = in features); the unprefixed
 * single products are its input gradient dY·W.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class GemmBenchmark {

    @Param({"2048x768x768", "2048x768x3072", "2048x3072x768", "w2048x768x768", "w2048x3072x768", "w2048x768x3072",
        "192x128x128x64", "192x128x64x128", "t768x3072x2048", "t3072x768x2048"})
    public String shape;

    /** Worker threads; override with {@code -p threads=N}. */
    @Param({"2"})
    public int threads;

    private WorkerPool pool;
    private int batch;
    private int m;
    private int n;
    private int k;
    private float[] a;
    private float[] b;
    private float[] c;
    private int[] aOffs;
    private int[] bOffs;
    private int[] cOffs;
    private boolean transposedB;
    private boolean transposedA;

    @Setup(Level.Trial)
    public void setUp() {
        transposedA = shape.startsWith("t");
        boolean weight = shape.startsWith("w");
        String[] dims = (transposedA || weight ? shape.substring(1) : shape).split("x");
        int first = dims.length - 3;
        batch = first == 0 ? 1 : Integer.parseInt(dims[0]);
        m = Integer.parseInt(dims[first]);
        n = Integer.parseInt(dims[first + 1]);
        k = Integer.parseInt(dims[first + 2]);
        // The scores product contracts over the head size, reading K (n rows of k) through a transposed view; a
        // linear layer's forward reads its weight (n rows of k) the same way.
        transposedB = (batch > 1 && k < n) || weight;
        Random random = new Random(42);
        a = randomArray(random, batch * m * k);
        b = randomArray(random, batch * k * n);
        c = new float[batch * m * n];
        aOffs = new int[batch];
        bOffs = new int[batch];
        cOffs = new int[batch];
        for (int t = 0; t < batch; t++) {
            aOffs[t] = t * m * k;
            bOffs[t] = t * k * n;
            cOffs[t] = t * m * n;
        }
        pool = new WorkerPool(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    private static float[] randomArray(Random random, int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = random.nextFloat() - 0.5f;
        }
        return values;
    }

    @Benchmark
    public float[] gemm() {
        int bRs = transposedB ? 1 : n;
        int bCs = transposedB ? k : 1;
        if (batch == 1) {
            Sgemm.gemm(pool, m, n, k, a, 0, transposedA ? 1 : k, transposedA ? m : 1, b, 0, bRs, bCs, c, 0, n, false);
        } else {
            Sgemm.gemmBatched(pool, batch, m, n, k, a, aOffs, k, 1, b, bOffs, bRs, bCs, c, cOffs, n, false);
        }
        return c;
    }

    /**
     * {@link #gemm} with A written just before each product, as in training, where the op before a weight
     * gradient has just written dY (its A, read transposed): the product then packs A from wherever that write
     * left it in the caches, not from a copy kept warm by the product's own previous run. The rewrite is not
     * timed.
     */
    @Benchmark
    public float[] gemmFreshA(FreshA fresh) {
        return gemm();
    }

    /** Rewrites {@link #a} before every invocation of {@link #gemmFreshA}. */
    @State(Scope.Thread)
    public static class FreshA {
        private float value = 0.5f;

        @Setup(Level.Invocation)
        public void rewrite(GemmBenchmark benchmark) {
            value = -value;
            Arrays.fill(benchmark.a, value);
        }
    }
}
