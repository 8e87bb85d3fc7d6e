package io.jformer.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jformer.tensor.UnaryOp;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SgemmTest {

    /**
     * Relative tolerance against a double-precision reference, applied to {@code Σ|a_ip·b_pj|} (plus {@code |c|}
     * when accumulating). Each element is one fp32 fused-multiply-add chain over k (checked bit for bit against
     * {@code Math.fma} as well), whose worst-case error is {@code k·u·Σ|terms|} with {@code u = 2^-24} (3e-5 at
     * the largest k here, 513); on random-sign data the roundings behave like a random walk, about
     * {@code sqrt(k)·u·Σ|terms|} (1.4e-6 at k = 513), so 1e-5 leaves a wide margin while any wrong, missing or
     * doubled term (an error of order {@code Σ|terms|/k}) still fails by orders of magnitude.
     */
    private static final double RELATIVE_TOLERANCE = 1e-5;
    /** Absolute slack for results that are sums of nothing or of tiny terms. */
    private static final double ABSOLUTE_TOLERANCE = 1e-6;

    private static WorkerPool onePool;
    private static WorkerPool twoPool;
    private static WorkerPool threePool;

    @BeforeAll
    static void startPools() {
        onePool = new WorkerPool(1);
        twoPool = new WorkerPool(2);
        threePool = new WorkerPool(3);
    }

    @AfterAll
    static void stopPools() {
        onePool.close();
        twoPool.close();
        threePool.close();
    }

    /** One product's operands, laid out with offsets, optional transposition and a padded C row. */
    private static final class Problem {
        final int m;
        final int n;
        final int k;
        final float[] a;
        final int aOff;
        final int aRs;
        final int aCs;
        final float[] b;
        final int bOff;
        final int bRs;
        final int bCs;
        final float[] c;
        final int cOff;
        final int ldc;

        Problem(Random random, int m, int n, int k, boolean transA, boolean transB, int ldcPad) {
            this.m = m;
            this.n = n;
            this.k = k;
            aOff = random.nextInt(4);
            bOff = random.nextInt(4);
            cOff = random.nextInt(4);
            ldc = n + ldcPad;
            aRs = transA ? 1 : k;
            aCs = transA ? m : 1;
            bRs = transB ? 1 : n;
            bCs = transB ? k : 1;
            a = randomArray(random, aOff + m * k + 3);
            b = randomArray(random, bOff + k * n + 3);
            c = randomArray(random, cOff + m * ldc + 3);
        }

        void run(WorkerPool pool, boolean accumulate) {
            Sgemm.gemm(pool, m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
        }

        /** The product with one fixed share per thread, whichever schedule {@link Sgemm#gemm} would pick. */
        void runSplit(WorkerPool pool, boolean accumulate) {
            Sgemm.gemmSplit(pool, m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate, null, 0,
                    null);
        }

        /** The product as items taken by whichever thread is free, packing at most {@code roundFloats} of B. */
        void runShared(WorkerPool pool, int[] rowItemStarts, int roundFloats, boolean accumulate, float[] bias,
                UnaryOp epilogue) {
            new SharedBSchedule(n, k, rowItemStarts, roundFloats, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc,
                    accumulate, bias, 1, epilogue).run(pool);
        }

        /**
         * Checks C bit for bit against the documented order (a {@code Math.fma} chain over p from 0, or from the
         * original C when accumulating), within tolerance against a double-precision product, and that nothing
         * else changed.
         */
        void check(float[] original, boolean accumulate, String label) {
            for (int idx = 0; idx < c.length; idx++) {
                int rel = idx - cOff;
                boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
                if (!inside && Float.floatToRawIntBits(c[idx]) != Float.floatToRawIntBits(original[idx])) {
                    fail(label + ": wrote outside C at index " + idx);
                }
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double start = accumulate ? original[cOff + i * ldc + j] : 0;
                    double sum = start;
                    double magnitude = Math.abs(start);
                    float chain = (float) start;
                    for (int p = 0; p < k; p++) {
                        float ap = a[aOff + i * aRs + p * aCs];
                        float bp = b[bOff + p * bRs + j * bCs];
                        double term = (double) ap * bp;
                        sum += term;
                        magnitude += Math.abs(term);
                        chain = Math.fma(ap, bp, chain);
                    }
                    if (Float.floatToIntBits(c[cOff + i * ldc + j]) != Float.floatToIntBits(chain)) {
                        fail(label + ": C(" + i + "," + j + ") = " + c[cOff + i * ldc + j]
                                + ", but the fma chain in order gives " + chain);
                    }
                    double error = Math.abs(c[cOff + i * ldc + j] - sum);
                    if (!(error <= RELATIVE_TOLERANCE * magnitude + ABSOLUTE_TOLERANCE)) {
                        fail(label + ": C(" + i + "," + j + ") = " + c[cOff + i * ldc + j] + ", expected " + sum);
                    }
                }
            }
        }
    }

    /** Standard-normal floats; the packing tests use them too. */
    static float[] randomArray(Random random, int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    /**
     * Sizes around the tile edges (8 rows, 32 columns on AVX-512), the step blocks, the transposing copy's runs of
     * 128 steps (129, 300, KC - 1) and the 3072-column blocks.
     */
    private static final int[][] SHAPES = {
        {1, 1, 1}, {1, 7, 1}, {7, 1, 17}, {1, 33, 65}, {17, 1, 33}, {2, 3, 4},
        {7, 17, 33}, {8, 32, 16}, {9, 33, Sgemm.KC + 1}, {16, 64, 64}, {33, 65, 129},
        {65, 129, 7}, {129, 33, Sgemm.KC - 1}, {255, 65, 300}, {200, 31, 2 * Sgemm.KC + 1}, {3, 3100, 5},
    };

    /**
     * The epilogue gives, bit for bit, what the activation gives over the finished product (the same kernel on
     * runs of a strip rather than whole rows), reaches every element, and writes nothing outside C: every shape
     * and layout, with and without a bias, on one to three threads. Wide products (1100 columns) take the packed
     * A path, narrow ones read A in place; k = 0 is the bias alone.
     */
    @Test
    void epilogueEqualsTheActivationOfTheFinishedProduct() {
        Random random = new Random(5);
        int[][] extra = {{40, 1100, 64}, {5, 40, 0}};
        int[][] shapes = Stream.concat(Arrays.stream(SHAPES), Arrays.stream(extra))
                .toArray(int[][]::new);
        UnaryOp[] ops = {UnaryOp.GELU, UnaryOp.RELU,
                UnaryOp.TANH};
        int round = 0;
        for (int[] shape : shapes) {
            for (int layout = 0; layout < 4; layout++) {
                UnaryOp op = ops[round % ops.length];
                boolean withBias = round++ % 2 == 0;
                int m = shape[0];
                int n = shape[1];
                int k = shape[2];
                Problem p = new Problem(random, m, n, k, (layout & 1) != 0, (layout & 2) != 0, random.nextInt(3));
                float[] bias = withBias ? randomArray(random, n + 1) : null;
                float[] expected = p.c.clone();
                Sgemm.gemm(onePool, m, n, k, p.a, p.aOff, p.aRs, p.aCs, p.b, p.bOff, p.bRs, p.bCs, expected, p.cOff,
                        p.ldc, false, bias, 1);
                for (int i = 0; i < m; i++) {
                    int row = p.cOff + i * p.ldc;
                    ElementwiseKernels.unaryRun(op, expected, row, expected, row, n);
                }
                for (WorkerPool pool : new WorkerPool[] {onePool, twoPool, threePool}) {
                    float[] c = p.c.clone();
                    Sgemm.gemm(pool, m, n, k, p.a, p.aOff, p.aRs, p.aCs, p.b, p.bOff, p.bRs, p.bCs, c, p.cOff, p.ldc,
                            false, bias, 1, op);
                    assertArrayEquals(expected, c, String.format("%dx%dx%d layout %d %s bias=%b on %d threads",
                            m, n, k, layout, op, withBias, pool.threads()));
                }
            }
        }
    }

    @Test
    void epilogueOnAnAccumulatedProductIsRefused() {
        float[] x = new float[4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sgemm.gemm(onePool, 2, 2, 1, x, 0, 1, 1, x, 0, 2, 1, x, 0, 2, true, null, 0,
                        UnaryOp.GELU));
        assertTrue(e.getMessage().contains("epilogue"), e.getMessage());
    }

    @Test
    void matchesReferenceForAllLayouts() {
        Random random = new Random(1);
        for (int[] shape : SHAPES) {
            for (int layout = 0; layout < 4; layout++) {
                for (boolean accumulate : new boolean[] {false, true}) {
                    boolean transA = (layout & 1) != 0;
                    boolean transB = (layout & 2) != 0;
                    Problem problem = new Problem(random, shape[0], shape[1], shape[2], transA, transB,
                            random.nextInt(3));
                    float[] original = problem.c.clone();
                    problem.run(twoPool, accumulate);
                    problem.check(original, accumulate, String.format("%dx%dx%d transA=%b transB=%b accumulate=%b",
                            shape[0], shape[1], shape[2], transA, transB, accumulate));
                }
            }
        }
    }

    /**
     * With a bias, each element is the fma chain over k started from {@code bias[j]} instead of 0, bit for bit, on
     * every layout, across the step and 3072-column blocks, edge tiles, one and several threads, and k = 0
     * (C is then the bias itself).
     */
    @Test
    void biasStartsEveryChain() {
        Random random = new Random(8);
        int[][] shapes = {{1, 1, 1}, {7, 33, 17}, {9, 65, Sgemm.KC + 1}, {129, 31, 300}, {300, 100, 40}, {5, 3100, 20},
            {40, 70, 0}, {260, 190, Sgemm.KC + 30}};
        for (int[] shape : shapes) {
            for (int layout = 0; layout < 4; layout++) {
                int m = shape[0];
                int n = shape[1];
                int k = shape[2];
                Problem problem = new Problem(random, m, n, k, (layout & 1) != 0, (layout & 2) != 0, 1);
                int biasOff = 2;
                float[] bias = randomArray(random, biasOff + n);
                WorkerPool pool = layout % 2 == 0 ? twoPool : threePool;
                float[] original = problem.c.clone();
                Sgemm.gemm(pool, m, n, k, problem.a, problem.aOff, problem.aRs, problem.aCs, problem.b, problem.bOff,
                        problem.bRs, problem.bCs, problem.c, problem.cOff, problem.ldc, false, bias, biasOff);
                // The same as accumulating onto a C that holds the bias in every row (checked by Problem.check).
                float[] preset = original.clone();
                for (int i = 0; i < m; i++) {
                    System.arraycopy(bias, biasOff, preset, problem.cOff + i * problem.ldc, n);
                }
                float[] withBias = problem.c.clone();
                System.arraycopy(preset, 0, problem.c, 0, preset.length);
                problem.run(onePool, true);
                problem.check(preset, true, String.format("bias preset %dx%dx%d layout %d", m, n, k, layout));
                assertBitIdentical(problem.c, withBias, shape, pool.threads());
            }
        }
        float[] c = new float[4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sgemm.gemm(onePool, 2, 2, 1, c, 0, 1, 1, c, 0, 2, 1, c, 0, 2, true, c, 0));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("bias"), e.getMessage());
    }

    @Test
    void emptyProducts() {
        Random random = new Random(2);
        for (int[] shape : new int[][] {{0, 5, 3}, {5, 0, 3}, {0, 0, 0}, {4, 5, 0}, {40, 70, 0}}) {
            for (boolean accumulate : new boolean[] {false, true}) {
                Problem problem = new Problem(random, shape[0], shape[1], shape[2], false, false, 2);
                float[] original = problem.c.clone();
                problem.run(twoPool, accumulate);
                // With k == 0 this checks that C is zeroed, or left alone when accumulating.
                problem.check(original, accumulate, "empty " + shape[0] + "x" + shape[1] + "x" + shape[2]);
            }
        }
    }

    @Test
    void batchedMatchesSingleProducts() {
        Random random = new Random(3);
        // Many small products (split across the batch) and a few large ones (each split across threads).
        int[][] cases = {{40, 33, 17, 9}, {3, 129, 130, 129}, {6, 65, 64, 128}};
        for (int[] shape : cases) {
            for (int layout = 0; layout < 4; layout++) {
                boolean transA = (layout & 1) != 0;
                boolean transB = (layout & 2) != 0;
                checkBatch(random, shape[0], shape[1], shape[2], shape[3], transA, transB, layout % 2 == 0);
            }
        }
    }

    /**
     * Runs the batch in one call and each product alone through {@link Sgemm#gemm} (checked against the reference
     * in {@link #matchesReferenceForAllLayouts}), and compares bit for bit.
     */
    private static void checkBatch(Random random, int batch, int m, int n, int k, boolean transA, boolean transB,
            boolean accumulate) {
        int ldc = n + 1;
        int aSize = m * k + 2;
        int bSize = k * n + 1;
        int cSize = m * ldc + 3;
        float[] a = randomArray(random, batch * aSize);
        float[] b = randomArray(random, batch * bSize);
        float[] c = randomArray(random, batch * cSize);
        float[] expected = c.clone();
        int[] aOffs = new int[batch];
        int[] bOffs = new int[batch];
        int[] cOffs = new int[batch];
        // Products in reverse order, so a batch index never equals a product's position in the arrays.
        for (int t = 0; t < batch; t++) {
            aOffs[t] = (batch - 1 - t) * aSize + 1;
            bOffs[t] = (batch - 1 - t) * bSize;
            cOffs[t] = (batch - 1 - t) * cSize + 2;
        }
        int aRs = transA ? 1 : k;
        int aCs = transA ? m : 1;
        int bRs = transB ? 1 : n;
        int bCs = transB ? k : 1;
        Sgemm.gemmBatched(twoPool, batch, m, n, k, a, aOffs, aRs, aCs, b, bOffs, bRs, bCs, c, cOffs, ldc, accumulate);
        for (int t = 0; t < batch; t++) {
            Sgemm.gemm(onePool, m, n, k, a, aOffs[t], aRs, aCs, b, bOffs[t], bRs, bCs, expected, cOffs[t], ldc,
                    accumulate);
        }
        assertArrayEquals(expected, c, String.format("batch %d of %dx%dx%d transA=%b transB=%b", batch, m, n, k,
                transA, transB));
    }

    @Test
    void resultsAreBitIdenticalForAnyThreadCountAndRun() {
        Random random = new Random(4);
        // Shapes split by rows, by columns, and in blocks of rows that do not divide among the threads.
        int[][] shapes = {{257, 190, 600}, {9, 700, 300}, {200, 96, 40}};
        for (int[] shape : shapes) {
            for (int layout = 0; layout < 4; layout++) {
                Problem problem = new Problem(random, shape[0], shape[1], shape[2], (layout & 1) != 0,
                        (layout & 2) != 0, 3);
                float[] original = problem.c.clone();
                float[] reference = null;
                for (WorkerPool pool : new WorkerPool[] {onePool, twoPool, threePool, twoPool}) {
                    System.arraycopy(original, 0, problem.c, 0, original.length);
                    problem.run(pool, true);
                    if (reference == null) {
                        reference = problem.c.clone();
                    } else {
                        assertBitIdentical(reference, problem.c, shape, pool.threads());
                    }
                }
            }
        }
    }

    /**
     * Products large enough to be split across threads, by rows and by columns, with A packed and read in place,
     * several step blocks, several 3072-column blocks within one thread's share, A blocks past the 192-row
     * block size and edges in every dimension, each checked against the fma chain. Each case states the split
     * it is there for, and the test fails if the rule that picks the split stops giving it, rather than
     * silently covering one path twice.
     */
    @Test
    void splitProductsMatchReference() {
        Random random = new Random(7);
        // {m, n, k, transA, transB, byRows, threads}; threads 0 means 2 and 3.
        int[][] cases = {
            {780, 3090, 260, 0, 0, 0, 3}, // by columns, row-major A packed (1030 columns per thread)
            {40, 6500, 30, 0, 0, 0, 2}, // by columns, two 3072-column blocks per thread
            {3000, 2100, 8, 0, 0, 1, 2}, // by rows, row-major A packed: B (2100 columns) is the smaller copy
            {500, 300, 40, 0, 0, 0, 0}, // by columns, row-major A read in place
            {300, 70, 2 * Sgemm.KC + 60, 1, 1, 1, 0}, // by rows, B transposed, three step blocks
            {250, 700, 600, 1, 0, 0, 0}, // by columns around a transposed A of several row blocks
            {203, 450, 270, 1, 1, 0, 0}, // the same with B transposed
        };
        for (int[] shape : cases) {
            WorkerPool[] pools = shape[6] == 3 ? new WorkerPool[] {threePool}
                    : shape[6] == 2 ? new WorkerPool[] {twoPool} : new WorkerPool[] {twoPool, threePool};
            boolean large = (long) shape[0] * shape[1] * shape[2] > 10_000_000L;
            for (WorkerPool pool : pools) {
                for (boolean accumulate : large ? new boolean[] {true} : new boolean[] {false, true}) {
                    Problem problem = new Problem(random, shape[0], shape[1], shape[2], shape[3] == 1, shape[4] == 1, 2);
                    String label = String.format("%dx%dx%d transA=%b transB=%b accumulate=%b on %d threads",
                            shape[0], shape[1], shape[2], shape[3] == 1, shape[4] == 1, accumulate, pool.threads());
                    assertEquals(shape[5] == 1, Sgemm.Split.of(pool, problem.m, problem.n, problem.k, problem.aRs,
                            problem.aCs).byRows(), label + ": split by rows");
                    float[] original = problem.c.clone();
                    problem.runSplit(pool, accumulate);
                    problem.check(original, accumulate, label);
                }
            }
        }
    }

    /**
     * Items taken as threads come free give every C element the fma chain in order: packed and in-place A
     * (1100 columns are past the in-place width), both transposes, several step blocks and, with a small round,
     * several rounds of packing (each waiting for the round before to be multiplied), two 3072-column blocks,
     * item sizes that are not whole micro-panels, and one item per thread or many.
     */
    @Test
    void sharedScheduleMatchesReference() {
        Random random = new Random(11);
        // {m, n, k, transA, transB}
        int[][] cases = {
            {300, 200, 2 * Sgemm.KC + 70, 0, 0},
            {300, 1100, 90, 0, 1},
            {203, 70, Sgemm.KC + 1, 1, 0},
            {97, 3100, 20, 1, 1},
        };
        int small = 2 * Sgemm.KC * SgemmKernel.NR;
        for (int[] shape : cases) {
            int m = shape[0];
            int third = m / 3 / SgemmKernel.MR * SgemmKernel.MR;
            int[][] itemings = {{0, m}, {0, third, 2 * third, m}, Sgemm.rowItemStarts(m, 3), {0, 5, 13, m / 2, m - 1, m}};
            for (int[] starts : itemings) {
                for (int roundFloats : new int[] {Sgemm.SHARED_B_FLOATS, small}) {
                    for (boolean accumulate : new boolean[] {false, true}) {
                        for (WorkerPool pool : new WorkerPool[] {onePool, twoPool, threePool}) {
                            Problem problem = new Problem(random, m, shape[1], shape[2], shape[3] == 1, shape[4] == 1,
                                    1);
                            String label = String.format("%dx%dx%d transA=%b transB=%b items %s round %d "
                                    + "accumulate=%b on %d threads", m, shape[1], shape[2], shape[3] == 1,
                                    shape[4] == 1, Arrays.toString(starts), roundFloats, accumulate, pool.threads());
                            float[] original = problem.c.clone();
                            problem.runShared(pool, starts, roundFloats, accumulate, null, null);
                            problem.check(original, accumulate, label);
                        }
                    }
                }
            }
        }
    }

    /** With a bias and an epilogue the shared schedule gives what one thread gives, bit for bit. */
    @Test
    void sharedScheduleStartsFromTheBiasAndFinishesWithTheEpilogue() {
        Random random = new Random(12);
        int m = 250;
        int n = 1100;
        int k = Sgemm.KC + 30;
        float[] bias = randomArray(random, n + 1);
        for (UnaryOp op : new UnaryOp[] {null, UnaryOp.GELU}) {
            Problem p = new Problem(random, m, n, k, false, true, 2);
            float[] expected = p.c.clone();
            Sgemm.gemm(onePool, m, n, k, p.a, p.aOff, p.aRs, p.aCs, p.b, p.bOff, p.bRs, p.bCs, expected, p.cOff,
                    p.ldc, false, bias, 1, op);
            p.runShared(threePool, Sgemm.rowItemStarts(m, 3), 2 * Sgemm.KC * SgemmKernel.NR, false, bias, op);
            assertArrayEquals(expected, p.c, "epilogue " + op);
        }
    }

    /** Full-size items first, then ever smaller ones, never below the minimum but for the remainder; all rows once. */
    @Test
    void rowItemsCoverTheRowsLargestFirst() {
        for (int threads : new int[] {2, 3, 8}) {
            for (int m : new int[] {1, 31, 768, 2048, 2050, 8192}) {
                int[] starts = Sgemm.rowItemStarts(m, threads);
                String label = "m=" + m + " threads=" + threads + ": " + Arrays.toString(starts);
                assertEquals(0, starts[0], label);
                assertEquals(m, starts[starts.length - 1], label);
                for (int i = 0; i + 1 < starts.length; i++) {
                    int rows = starts[i + 1] - starts[i];
                    assertTrue(rows > 0 && rows <= Sgemm.MAX_ROWS_PER_ITEM, label);
                    boolean last = i + 2 == starts.length;
                    assertTrue(last || (rows % SgemmKernel.MR == 0 && rows >= Sgemm.MIN_ROWS_PER_ITEM), label);
                    assertTrue(i == 0 || rows <= starts[i] - starts[i - 1], label);
                }
            }
        }
        // 2048 token rows on two threads: seven full items (1344 rows), then the rest in ten smaller ones.
        int[] tokens = Sgemm.rowItemStarts(2048, 2);
        assertEquals(7 * Sgemm.MAX_ROWS_PER_ITEM, tokens[7], Arrays.toString(tokens));
        assertEquals(17, tokens.length - 1, Arrays.toString(tokens));
    }

    /** Tall products are shared out as items; short ones, one thread, or too little work keep the fixed split. */
    @Test
    void tallProductsAreSharedOutAsItems() {
        assertTrue(Sgemm.sharesPackedB(twoPool, 2048, 384, 384), "MiniLM's linear layers, 16 x 128 tokens");
        assertTrue(Sgemm.sharesPackedB(twoPool, 1536, 384, 2048), "the weight gradient of a 1536-row weight");
        assertFalse(Sgemm.sharesPackedB(twoPool, 384, 1536, 2048), "the weight gradient of a 384-row weight");
        assertFalse(Sgemm.sharesPackedB(onePool, 2048, 384, 384), "one thread");
        assertFalse(Sgemm.sharesPackedB(twoPool, 2048, 8, 8), "too little work to share");
    }

    /** A failure inside one thread's item reaches the caller; the other threads stop instead of waiting forever. */
    @Test
    void aFailingItemReachesTheCallerWithoutHanging() {
        int m = 1000;
        int n = 64;
        int k = 2 * Sgemm.KC + 5;
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        float[] tooShortC = new float[(m - 100) * n];
        assertTrue(Sgemm.sharesPackedB(twoPool, m, n, k));
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> assertThrows(
                IndexOutOfBoundsException.class,
                () -> Sgemm.gemm(twoPool, m, n, k, a, 0, k, 1, b, 0, n, 1, tooShortC, 0, n, false)));
        // The pool still works afterwards.
        float[] c = new float[m * n];
        Sgemm.gemm(twoPool, m, n, k, a, 0, k, 1, b, 0, n, 1, c, 0, n, false);
    }

    /** The split follows the threads kept busy first, then the floats each thread packs. */
    @Test
    void splitKeepsThreadsBusyThenPacksLess() {
        // Forward linear layer X·Wᵀ, 2048 tokens: by rows every thread would pack all of Wᵀ; by columns half.
        assertFalse(Sgemm.Split.of(twoPool, 2048, 3072, 768, 768, 1).byRows());
        // Weight gradient dYᵀ·X with dY 2048x3072 (A transposed): by columns each thread would pack all 3072 rows
        // of A.
        assertTrue(Sgemm.Split.of(twoPool, 3072, 768, 2048, 1, 3072).byRows());
        // Two column panels cannot keep three threads busy, however little each thread packs.
        assertTrue(Sgemm.Split.of(threePool, 4096, 2 * SgemmKernel.NR, 64, 64, 1).byRows());
        // One thread: nothing is packed twice either way; rows when A has more panels.
        assertTrue(Sgemm.Split.of(onePool, 2048, 768, 768, 768, 1).byRows());
    }

    @Test
    void batchedResultsAreBitIdenticalForAnyThreadCount() {
        Random random = new Random(5);
        int batch = 24;
        int m = 64;
        int n = 48;
        int k = 40;
        float[] a = randomArray(random, batch * m * k);
        float[] b = randomArray(random, batch * k * n);
        int[] aOffs = new int[batch];
        int[] bOffs = new int[batch];
        int[] cOffs = new int[batch];
        for (int t = 0; t < batch; t++) {
            aOffs[t] = t * m * k;
            bOffs[t] = t * k * n;
            cOffs[t] = t * m * n;
        }
        float[] reference = null;
        for (WorkerPool pool : new WorkerPool[] {onePool, twoPool, threePool}) {
            float[] c = new float[batch * m * n];
            Sgemm.gemmBatched(pool, batch, m, n, k, a, aOffs, 1, m, b, bOffs, 1, k, c, cOffs, n, false);
            if (reference == null) {
                reference = c;
            } else {
                assertBitIdentical(reference, c, new int[] {m, n, k}, pool.threads());
            }
        }
    }

    /**
     * Row-major A is read in place for narrow products and packed otherwise; both must give the packed path's
     * bits exactly (same sums, same order). The reference is the same A stored transposed, which is always
     * packed. Row strides wider than k (a view into fused Q/K/V) and every edge are covered.
     */
    @Test
    void rowMajorAInPlaceMatchesPackedBitForBit() {
        Random random = new Random(6);
        int[][] shapes = {{128, 32, 128}, {17, 33, 300}, {64, 128, 32}, {9, 1100, 40}, {250, 96, 513}};
        for (int[] shape : shapes) {
            int m = shape[0];
            int n = shape[1];
            int k = shape[2];
            int lda = k + 5;
            float[] rowMajor = randomArray(random, m * lda);
            float[] transposed = new float[k * m];
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    transposed[p * m + i] = rowMajor[i * lda + p];
                }
            }
            float[] b = randomArray(random, k * n);
            float[] c0 = randomArray(random, m * n);
            for (WorkerPool pool : new WorkerPool[] {onePool, threePool}) {
                float[] expected = c0.clone();
                float[] actual = c0.clone();
                Sgemm.gemm(pool, m, n, k, transposed, 0, 1, m, b, 0, n, 1, expected, 0, n, true);
                Sgemm.gemm(pool, m, n, k, rowMajor, 0, lda, 1, b, 0, n, 1, actual, 0, n, true);
                assertBitIdentical(expected, actual, shape, pool.threads());
            }
        }
    }

    private static void assertBitIdentical(float[] expected, float[] actual, int[] shape, int threads) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(String.format("%dx%dx%d on %d threads differs at %d: %s vs %s", shape[0], shape[1], shape[2],
                        threads, i, expected[i], actual[i]));
            }
        }
    }
}
