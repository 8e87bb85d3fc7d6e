package io.jformer.tensor.cpu;

import static io.jformer.tensor.cpu.SgemmKernel.MR;
import static io.jformer.tensor.cpu.SgemmKernel.NR;

import io.jformer.tensor.UnaryOp;

import java.util.Arrays;

/**
 * Single-precision matrix multiplication on the CPU, organised the BLIS/GotoBLAS way: B is packed a block of
 * {@link #KC} steps by {@link #NC} columns at a time, A a block of {@link #MC} rows by as many steps at a time
 * (or read in place, when it is row-major and the block narrow), and {@link SgemmKernel#tile} multiplies one A
 * panel by one B panel with the C tile held in registers.
 *
 * <p>Every C element is one chain of fused multiply-adds over {@code p = 0 .. k-1} in order, starting from 0 (or
 * from C's value when accumulating, or from a bias): each step block continues from the value the previous block
 * stored. So results are bit-identical for every thread count, tile position and run (threads share out C by
 * rows or columns, never the reduction: items taken as threads come free, {@link SharedBSchedule}, or one fixed
 * block each, {@link Split}), and equal to {@code Math.fma} applied in that order.
 */
public final class Sgemm {

    /**
     * Steps per block: B is packed {@code KC} steps by {@link #NC} columns at a time, and every C element's chain
     * is stored and reloaded between blocks. 768 makes BERT-base's k = 768 products (and MiniLM's k = 384) one
     * block; the B micro-panel ({@code KC*NR} floats, 96 KiB) is then served from L2 rather than L1, which cost
     * nothing measurable, while 256-step blocks reloaded C and repacked A twice more per product. One thread
     * (GemmT, three runs each): 2048x768x3072 182-197 -> 208-218 GFLOP/s, dY·W 2048x768x3072 187-203 -> 224-230,
     * 2048x1536x384 190-213 -> 221-226; k = 2048 weight gradients level (-3 to +5%); blocks of 512 or 1024 for
     * the larger k no better. bert-base training step, 2 threads: 3.01 -> 2.94 s.
     */
    static final int KC = 768;
    /** Rows per packed A block ({@code MC*KC} floats, 576 KiB), so it stays in the 1 MiB L2 beside the B panel. */
    static final int MC = 24 * MR;
    /** Columns per packed B block (9 MiB at most, in the 32 MiB L3); bounds the per-thread B buffer. */
    static final int NC = 3072 / NR * NR;

    /** Widest B block for which row-major A is read in place rather than packed (see multiplyBlock). */
    static final int MAX_COLUMNS_UNPACKED_A = 32 * NR;

    /** The largest row item of a {@link SharedBSchedule}; smaller ones stream each B panel for fewer tiles. */
    static final int MAX_ROWS_PER_ITEM = MC;
    /** The smallest row item of a {@link SharedBSchedule}, for the last rows of a product. */
    static final int MIN_ROWS_PER_ITEM = 4 * MR;
    /**
     * The most floats of B a {@link SharedBSchedule} packs at once (28 MiB): every product of BERT-base at 16 x
     * 128 tokens is packed in one round; longer ones take rounds of step blocks.
     */
    static final int SHARED_B_FLOATS = 3 * KC * NC;

    /** A thread given less work than this spends a noticeable part of it just being handed the work. */
    private static final long MIN_FMAS_PER_THREAD = 1L << 20;

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /** The calling thread's packing buffers. */
    static Buffers buffers() {
        return BUFFERS.get();
    }

    private Sgemm() {
    }

    /**
     * C = A·B ({@code accumulate == false}) or C += A·B ({@code accumulate == true}). A is m×k: element (i,p) is
     * {@code a[aOff + i*aRs + p*aCs]}; B is k×n: element (p,j) is {@code b[bOff + p*bRs + j*bCs]}; C is m×n
     * row-major: element (i,j) is {@code c[cOff + i*ldc + j]}. Any non-negative strides work, so a transposed
     * operand is passed as a view without copying.
     */
    public static void gemm(WorkerPool pool, int m, int n, int k,
            float[] a, int aOff, int aRs, int aCs,
            float[] b, int bOff, int bRs, int bCs,
            float[] c, int cOff, int ldc, boolean accumulate) {
        gemm(pool, m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate, null, 0);
    }

    /**
     * {@link #gemm}, and when {@code bias} is not null C = bias + A·B with the bias a row of n values at
     * {@code bias[biasOff + j]}, added to every row (a linear layer; only without {@code accumulate}). The bias
     * is where each element's chain of fused multiply-adds starts, as C is when accumulating: the kernel starts
     * its accumulators from it, so the product's output is not read and written a second time to add it (as
     * BLAS's {@code beta = 1} with C preset to the bias, without the extra pass).
     */
    public static void gemm(WorkerPool pool, int m, int n, int k,
            float[] a, int aOff, int aRs, int aCs,
            float[] b, int bOff, int bRs, int bCs,
            float[] c, int cOff, int ldc, boolean accumulate, float[] bias, int biasOff) {
        gemm(pool, m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate, bias, biasOff, null);
    }

    /**
     * {@link #gemm} with a bias, then {@code epilogue} (when not null) applied to every element of C: a linear
     * layer and its activation. Each column strip of a block gets it as soon as its last step block is done,
     * while the strip is still in L1, instead of in a second pass that reads the whole output back from
     * memory; the values are those of {@link ElementwiseKernels#unaryRun} over the finished C, bit for bit.
     */
    public static void gemm(WorkerPool pool, int m, int n, int k,
            float[] a, int aOff, int aRs, int aCs,
            float[] b, int bOff, int bRs, int bCs,
            float[] c, int cOff, int ldc, boolean accumulate, float[] bias, int biasOff, UnaryOp epilogue) {
        checkSizes(m, n, k);
        if (bias != null && accumulate) {
            throw new IllegalArgumentException("gemm: a bias starts C's sums, so it cannot be added to an accumulated C");
        }
        if (epilogue != null && accumulate) {
            throw new IllegalArgumentException("gemm: an epilogue applies to a finished product, not to an accumulated C");
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (sharesPackedB(pool, m, n, k)) {
            new SharedBSchedule(n, k, rowItemStarts(m, pool.threads()), SHARED_B_FLOATS, a, aOff, aRs, aCs,
                    b, bOff, bRs, bCs, c, cOff, ldc, accumulate, bias, biasOff, epilogue).run(pool);
        } else {
            gemmSplit(pool, m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate, bias, biasOff,
                    epilogue);
        }
    }

    /**
     * {@link #gemm} with one fixed share of C per thread ({@link Split}): for products with too few rows to
     * cut into items for every thread. Arguments are checked by the caller.
     */
    static void gemmSplit(WorkerPool pool, int m, int n, int k,
            float[] a, int aOff, int aRs, int aCs,
            float[] b, int bOff, int bRs, int bCs,
            float[] c, int cOff, int ldc, boolean accumulate, float[] bias, int biasOff, UnaryOp epilogue) {
        Split split = Split.of(pool, m, n, k, aRs, aCs);
        boolean byRows = split.byRows();
        pool.parallelFor(split.panels(), split.grain(), (start, end) -> {
            if (byRows) {
                multiplyBlock(start * MR, Math.min(end * MR, m), 0, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs,
                        c, cOff, ldc, accumulate, bias, biasOff, epilogue);
            } else {
                multiplyBlock(0, m, start * NR, Math.min(end * NR, n), k, a, aOff, aRs, aCs, b, bOff, bRs, bCs,
                        c, cOff, ldc, accumulate, bias, biasOff, epilogue);
            }
        });
    }

    /**
     * {@code batch} independent products with the same sizes and strides and per-product offsets (attention
     * multiplies one pair of matrices per head and sequence). Large batches are split across threads whole;
     * small ones are run one product at a time, each split across threads.
     */
    public static void gemmBatched(WorkerPool pool, int batch, int m, int n, int k,
            float[] a, int[] aOffs, int aRs, int aCs,
            float[] b, int[] bOffs, int bRs, int bCs,
            float[] c, int[] cOffs, int ldc, boolean accumulate) {
        checkSizes(m, n, k);
        if (batch < 0 || aOffs.length < batch || bOffs.length < batch || cOffs.length < batch) {
            throw new IllegalArgumentException("batch " + batch + " does not match the offset arrays");
        }
        if (batch == 0 || m == 0 || n == 0) {
            return;
        }
        long fmasPerProduct = (long) m * n * Math.max(k, 1);
        // With few products per thread, whole products would leave a thread idle at the end of the batch.
        if (batch < 4 * pool.threads() && fmasPerProduct >= 2 * MIN_FMAS_PER_THREAD) {
            for (int t = 0; t < batch; t++) {
                gemm(pool, m, n, k, a, aOffs[t], aRs, aCs, b, bOffs[t], bRs, bCs, c, cOffs[t], ldc, accumulate);
            }
            return;
        }
        int grain = (int) Math.min(batch, Math.max(1, MIN_FMAS_PER_THREAD / fmasPerProduct));
        pool.parallelFor(batch, grain, (start, end) -> {
            for (int t = start; t < end; t++) {
                multiplyBlock(0, m, 0, n, k, a, aOffs[t], aRs, aCs, b, bOffs[t], bRs, bCs, c, cOffs[t], ldc,
                        accumulate, null, 0, null);
            }
        });
    }

    /**
     * {@link #gemm} on the calling thread alone, for kernels that already give each thread tasks of their own
     * (fused attention). The sums are the same as {@link #gemm}'s.
     */
    static void gemmOnCallingThread(int m, int n, int k,
            float[] a, int aOff, int aRs, int aCs,
            float[] b, int bOff, int bRs, int bCs,
            float[] c, int cOff, int ldc, boolean accumulate) {
        checkSizes(m, n, k);
        if (m > 0 && n > 0) {
            multiplyBlock(0, m, 0, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate, null, 0,
                    null);
        }
    }

    /**
     * Computes rows {@code [i0, i1)} and columns {@code [j0, j1)} of C on the calling thread (from the bias, when
     * not null), then applies the epilogue (when not null) to them.
     */
    private static void multiplyBlock(int i0, int i1, int j0, int j1, int k,
            float[] a, int aOff, int aRs, int aCs,
            float[] b, int bOff, int bRs, int bCs,
            float[] c, int cOff, int ldc, boolean accumulate, float[] bias, int biasOff, UnaryOp epilogue) {
        if (k == 0) {
            // A sum over nothing: 0, or the bias it starts from; an accumulated C stays as it is.
            if (!accumulate) {
                for (int i = i0; i < i1; i++) {
                    if (bias == null) {
                        Arrays.fill(c, cOff + i * ldc + j0, cOff + i * ldc + j1, 0f);
                    } else {
                        System.arraycopy(bias, biasOff + j0, c, cOff + i * ldc + j0, j1 - j0);
                    }
                }
                applyEpilogue(epilogue, c, cOff + i0 * ldc + j0, ldc, i1 - i0, j1 - j0);
            }
            return;
        }
        Buffers buffers = BUFFERS.get();
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            float[] bPack = buffers.b(ceilDiv(nc, NR) * NR * Math.min(KC, k));
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                SgemmPacking.packB(b, bOff, bRs, bCs, pc, kc, jc, nc, bPack);
                boolean add = accumulate || pc > 0;
                // Only the first block starts from the bias; the later ones continue from what it stored, and
                // the last one finishes each strip with the epilogue.
                float[] start = pc == 0 ? bias : null;
                int startOff = biasOff + jc;
                UnaryOp finish = pc + kc == k ? epilogue : null;
                for (int ic = i0; ic < i1; ic += MC) {
                    multiplyRows(ic, Math.min(MC, i1 - ic), pc, kc, jc, nc, a, aOff, aRs, aCs, bPack, 0,
                            c, cOff, ldc, add, start, startOff, finish, buffers);
                }
            }
        }
    }

    /**
     * Rows {@code [i0, i0 + mc)} ({@code mc <= MC}) and columns {@code [jc, jc + nc)} of C, one step block
     * {@code [pc, pc + kc)} against B packed at {@code bPack[bBase]}: row-major A is read in place when the block
     * is narrow (copying it would cost as much as the product when n is small: attention's P·V with n = head
     * size; across many B panels the packed copy pays for itself again, 2048x3072x768 5% faster packed, 1
     * thread); otherwise, and for a part-filled last panel (to get its zero rows), A is packed.
     */
    static void multiplyRows(int i0, int mc, int pc, int kc, int jc, int nc,
            float[] a, int aOff, int aRs, int aCs, float[] bPack, int bBase,
            float[] c, int cOff, int ldc, boolean add, float[] start, int startOff, UnaryOp finish, Buffers buffers) {
        int direct = readsAInPlace(aRs, aCs, nc) ? mc / MR * MR : 0;
        if (direct > 0) {
            multiplyPanels(a, aOff + i0 * aRs + pc, aRs, direct, bPack, bBase, nc, kc,
                    c, cOff + i0 * ldc + jc, ldc, add, start, startOff, finish, buffers.tile);
        }
        if (direct < mc) {
            float[] aPack = buffers.a(ceilDiv(mc - direct, MR) * MR * kc);
            SgemmPacking.packA(a, aOff, aRs, aCs, i0 + direct, mc - direct, pc, kc, aPack);
            multiplyPanels(aPack, 0, 0, mc - direct, bPack, bBase, nc, kc,
                    c, cOff + (i0 + direct) * ldc + jc, ldc, add, start, startOff, finish, buffers.tile);
        }
    }

    /**
     * Multiplies an {@code mc×kc} A block by a packed {@code kc×nc} B block into C at {@code cBase}, adding to C
     * ({@code add}) or starting from the bias row {@code bias[biasBase + j]} (when not null) or from zero. A is
     * either packed ({@code lda == 0}) or row-major in place with row stride {@code lda}, and then {@code mc} is
     * a multiple of MR. The outer loop runs over B panels so each stays in L1 while every A panel of the block
     * passes over it; the epilogue (when not null) then runs over the finished strip of C, still in L1.
     */
    private static void multiplyPanels(float[] a, int aBase, int lda, int mc,
            float[] bPack, int bBase, int nc, int kc, float[] c, int cBase, int ldc, boolean add, float[] bias,
            int biasBase, UnaryOp epilogue, float[] edgeTile) {
        for (int s = 0; s * NR < nc; s++) {
            int cols = Math.min(NR, nc - s * NR);
            for (int r = 0; r * MR < mc; r++) {
                int rows = Math.min(MR, mc - r * MR);
                int cTile = cBase + r * MR * ldc + s * NR;
                // A full tile is computed in C itself; an edge tile in a full-size copy, C's part loaded into it
                // when adding, and copied back.
                boolean full = rows == MR && cols == NR;
                float[] dst = full ? c : edgeTile;
                int dstBase = full ? cTile : 0;
                int dstLd = full ? ldc : NR;
                // A full tile's accumulators start from the bias in the kernel; an edge tile's copy holds it.
                float[] start = full ? bias : null;
                boolean loadTile = full ? add : add || bias != null;
                if (!full && bias != null) {
                    for (int i = 0; i < rows; i++) {
                        System.arraycopy(bias, biasBase + s * NR, edgeTile, i * NR, cols);
                    }
                } else if (!full && add) {
                    loadEdge(c, cTile, ldc, rows, cols, edgeTile);
                }
                if (lda > 0) {
                    SgemmKernel.tileRowMajorA(a, aBase + r * MR * lda, lda, bPack, bBase + s * NR * kc, kc,
                            dst, dstBase, dstLd, loadTile, start, biasBase + s * NR);
                } else {
                    SgemmKernel.tile(a, aBase + r * MR * kc, bPack, bBase + s * NR * kc, kc, dst, dstBase, dstLd,
                            loadTile, start, biasBase + s * NR);
                }
                if (!full) {
                    storeEdge(edgeTile, rows, cols, c, cTile, ldc);
                }
            }
            applyEpilogue(epilogue, c, cBase + s * NR, ldc, mc, cols);
        }
    }

    /** The epilogue, in place, on a {@code rows×cols} block of C at {@code base}; nothing when it is null. */
    private static void applyEpilogue(UnaryOp epilogue, float[] c, int base, int ldc, int rows, int cols) {
        if (epilogue == null) {
            return;
        }
        for (int i = 0; i < rows; i++) {
            ElementwiseKernels.unaryRun(epilogue, c, base + i * ldc, c, base + i * ldc, cols);
        }
    }

    /** Copies the part of C an edge tile covers into the tile buffer, zeros elsewhere. */
    private static void loadEdge(float[] c, int cTile, int ldc, int rows, int cols, float[] tile) {
        Arrays.fill(tile, 0, MR * NR, 0f);
        for (int i = 0; i < rows; i++) {
            System.arraycopy(c, cTile + i * ldc, tile, i * NR, cols);
        }
    }

    /** Copies the part of an edge tile that lies inside C back into C. */
    private static void storeEdge(float[] tile, int rows, int cols, float[] c, int cTile, int ldc) {
        for (int i = 0; i < rows; i++) {
            System.arraycopy(tile, i * NR, c, cTile + i * ldc, cols);
        }
    }

    /**
     * Whether {@link #gemm} runs the product as a {@link SharedBSchedule}: when there are threads to share it,
     * enough work, and rows for at least two full-size items per thread. With fewer rows (a weight gradient's
     * 384 output features) the items would be too small for B's panels to pay for themselves (32-row items made
     * 384x1536x2048 17% slower on two threads), and the fixed {@link Split} stays.
     */
    static boolean sharesPackedB(WorkerPool pool, int m, int n, int k) {
        int threads = pool.chunks(ceilDiv(m, MAX_ROWS_PER_ITEM), 1);
        return threads > 1 && m >= 2 * threads * MAX_ROWS_PER_ITEM
                && (long) m * n * k >= threads * MIN_FMAS_PER_THREAD;
    }

    /**
     * Where the row items of a {@link SharedBSchedule} start (and, last, {@code m}): each item a
     * {@code 1 / (2·threads)} share of the rows still to hand out, between {@link #MIN_ROWS_PER_ITEM} and
     * {@link #MAX_ROWS_PER_ITEM}, in whole micro-panels. Full-size items first, then ever smaller ones, so that
     * the threads run out of work at nearly the same time: with equal items the last one alone left a thread
     * waiting for half an item on average (6-8% of the two-thread product at 2048 rows).
     */
    static int[] rowItemStarts(int m, int threads) {
        int[] starts = new int[m / MIN_ROWS_PER_ITEM + 2];
        int items = 0;
        for (int i = 0; i < m; ) {
            starts[items++] = i;
            int rows = ceilDiv(ceilDiv(m - i, 2 * threads), MR) * MR;
            i += Math.min(m - i, Math.min(MAX_ROWS_PER_ITEM, Math.max(MIN_ROWS_PER_ITEM, rows)));
        }
        starts[items] = m;
        return Arrays.copyOf(starts, items + 1);
    }

    /** Whether multiplyBlock reads row-major A in place for a block {@code cols} wide, rather than packing it. */
    private static boolean readsAInPlace(int aRs, int aCs, int cols) {
        return aCs == 1 && aRs > 0 && Math.min(NC, cols) <= MAX_COLUMNS_UNPACKED_A;
    }

    /**
     * How {@link #gemm} shares a product among threads: C's rows or its columns cut into {@code panels} panels
     * (MR rows or NR columns each), handed out in ranges of at least {@code grain}.
     */
    record Split(boolean byRows, int panels, int grain) {

        /**
         * The split that keeps more threads busy, and of two that keep as many busy the one where each thread
         * packs less. Each thread packs for itself the operand it does not split: by rows, all of B; by columns,
         * all of A unless it is read in place. Splitting row-major A by rows whenever it had more panels cost
         * two threads 5-19% against columns on BERT's linear layers and input gradients (2048x768x3072: 366 ->
         * 409 GFLOP/s forward, 345 -> 412 for dY·W), all of it B packed twice.
         */
        static Split of(WorkerPool pool, int m, int n, int k, int aRs, int aCs) {
            int rowPanels = ceilDiv(m, MR);
            int colPanels = ceilDiv(n, NR);
            Split rows = new Split(true, rowPanels, grain(rowPanels, (long) MR * n * Math.max(k, 1)));
            Split cols = new Split(false, colPanels, grain(colPanels, (long) NR * m * Math.max(k, 1)));
            int rowChunks = pool.chunks(rows.panels, rows.grain);
            int colChunks = pool.chunks(cols.panels, cols.grain);
            if (rowChunks != colChunks) {
                return rowChunks > colChunks ? rows : cols;
            }
            long packedByRows = packedPerThread(m, n, k, aRs, aCs, rowChunks, true);
            long packedByCols = packedPerThread(m, n, k, aRs, aCs, colChunks, false);
            if (packedByRows != packedByCols) {
                return packedByRows < packedByCols ? rows : cols;
            }
            // One thread, or no difference: the split with more panels, or for a transposed A the smaller copy.
            boolean byRows = aCs != 1 ? n <= m : rowPanels >= colPanels;
            return byRows ? rows : cols;
        }

        /** Panels per range, so that a range holds at least {@link #MIN_FMAS_PER_THREAD} multiply-adds. */
        private static int grain(int panels, long fmasPerPanel) {
            return (int) Math.min(panels, Math.max(1, MIN_FMAS_PER_THREAD / fmasPerPanel));
        }

        /**
         * Floats one thread packs when an m×n×k product is split into {@code chunks} ranges of rows or of
         * columns: its share of the split operand and all of the other.
         */
        private static long packedPerThread(int m, int n, int k, int aRs, int aCs, int chunks, boolean byRows) {
            int rows = byRows ? ceilDiv(m, chunks) : m;
            int cols = byRows ? n : ceilDiv(n, chunks);
            return (long) k * cols + (readsAInPlace(aRs, aCs, cols) ? 0 : (long) k * rows);
        }
    }

    private static void checkSizes(int m, int n, int k) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative size: m=" + m + " n=" + n + " k=" + k);
        }
    }

    static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    /**
     * Packing buffers of one thread. This is a cache: they grow to the largest block the thread has packed and
     * are kept for the life of the thread, so steady-state calls allocate nothing.
     */
    static final class Buffers {
        private float[] aPack = new float[0];
        private float[] bPack = new float[0];
        final float[] tile = new float[MR * NR];

        float[] a(int size) {
            if (aPack.length < size) {
                aPack = new float[size];
            }
            return aPack;
        }

        float[] b(int size) {
            if (bPack.length < size) {
                bPack = new float[size];
            }
            return bPack;
        }
    }
}
