package io.jformer.tensor.cpu;

import static io.jformer.tensor.cpu.Sgemm.KC;
import static io.jformer.tensor.cpu.Sgemm.NC;
import static io.jformer.tensor.cpu.Sgemm.ceilDiv;
import static io.jformer.tensor.cpu.SgemmKernel.NR;

import io.jformer.tensor.UnaryOp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * One product shared by all threads of the pool through work items that whichever thread is free takes next,
 * instead of one fixed share per thread: B is packed once for everyone, its panels being items too, then C's
 * rows are items ({@link Sgemm#rowItemStarts}: full-size blocks first, smaller ones at the end).
 *
 * <p>Why: with a fixed share per thread every product waits for its slowest thread. On the 2-core VM the worker
 * often started its share 100-150 µs after the caller (woken from its wait), and either thread could be held up
 * by the host; timing every parallel region of a two-thread MiniLM training step showed the caller waiting for
 * the worker 7.6-8.3% of the time inside them in a quiet hour and 15% in a busy one. Here a thread that starts
 * late or stalls leaves its items to the other, and the wait at the end is a fraction of the last, small item.
 * Sharing the packed B also ends the row split's copy of all of B in every thread.
 *
 * <p>Every C element is computed by the same chain of fused multiply-adds as on one thread (step blocks in
 * order), so results depend neither on which thread takes which item nor on the thread count. Step blocks are
 * packed in rounds of at most {@link Sgemm#SHARED_B_FLOATS} floats; a round's products all finish before the
 * next round packs over it.
 */
final class SharedBSchedule {

    private static final ThreadLocal<Sgemm.Buffers> SHARED_B = ThreadLocal.withInitial(Sgemm.Buffers::new);

    private final int k;
    private final int[] rowItemStarts;
    private final float[] a;
    private final int aOff;
    private final int aRs;
    private final int aCs;
    private final float[] b;
    private final int bOff;
    private final int bRs;
    private final int bCs;
    private final float[] c;
    private final int cOff;
    private final int ldc;
    private final boolean accumulate;
    private final float[] bias;
    private final int biasOff;
    private final UnaryOp epilogue;
    private final List<Round> rounds = new ArrayList<>();
    private final float[] bPack;
    private final AtomicBoolean failed = new AtomicBoolean();

    /**
     * The product {@link Sgemm#gemm} describes (the same arguments), with the row items starting at
     * {@code rowItemStarts} (the last entry is m) and at most {@code roundFloats} floats of B packed at once.
     */
    SharedBSchedule(int n, int k, int[] rowItemStarts, int roundFloats, float[] a, int aOff, int aRs, int aCs,
            float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int ldc, boolean accumulate,
            float[] bias, int biasOff, UnaryOp epilogue) {
        this.k = k;
        this.rowItemStarts = rowItemStarts;
        this.a = a;
        this.aOff = aOff;
        this.aRs = aRs;
        this.aCs = aCs;
        this.b = b;
        this.bOff = bOff;
        this.bRs = bRs;
        this.bCs = bCs;
        this.c = c;
        this.cOff = cOff;
        this.ldc = ldc;
        this.accumulate = accumulate;
        this.bias = bias;
        this.biasOff = biasOff;
        this.epilogue = epilogue;
        int rowItems = rowItemStarts.length - 1;
        int largestRound = 0;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int panelFloats = ceilDiv(nc, NR) * NR;
            int blocksPerRound = Math.max(1, roundFloats / (panelFloats * KC));
            for (int pc0 = 0; pc0 < k; pc0 += blocksPerRound * KC) {
                int pc1 = Math.min(k, pc0 + blocksPerRound * KC);
                rounds.add(new Round(jc, nc, pc0, pc1, rowItems));
                largestRound = Math.max(largestRound, panelFloats * (pc1 - pc0));
            }
        }
        this.bPack = SHARED_B.get().b(largestRound);
    }

    /** Runs the product on the pool's threads; returns when C is complete. */
    void run(WorkerPool pool) {
        pool.parallelChunks(pool.threads(), ignored -> participate());
    }

    /**
     * What every thread does, round by round: take packing items while there are any, then multiplying items.
     * Multiplying items go step block by step block, so a block of packed B serves every row item while it is
     * in cache (row item by row item, all blocks each, ran k = 2048 weight gradients 7% slower); an item waits
     * until its block is packed and its rows have had the block before, which is all that the order of each
     * C element's chain needs.
     */
    private void participate() {
        Sgemm.Buffers buffers = Sgemm.buffers();
        try {
            for (int r = 0; r < rounds.size() && !failed.get(); r++) {
                Round round = rounds.get(r);
                for (int item; !failed.get() && (item = round.packNext.getAndIncrement()) < round.packItems(); ) {
                    int block = item / round.panels;
                    try {
                        pack(round, block, item % round.panels);
                    } finally {
                        round.packed.incrementAndGet(block);
                    }
                }
                int multiplyItems = round.multiplyItems();
                for (int item; !failed.get() && (item = round.multiplyNext.getAndIncrement()) < multiplyItems; ) {
                    int block = item / round.rowItems;
                    int rowItem = item % round.rowItems;
                    try {
                        if (awaitCount(round.packed, block, round.panels)
                                && awaitCount(round.blocksDone, rowItem, block)) {
                            multiply(round, block, rowItem, buffers);
                        }
                    } finally {
                        round.blocksDone.incrementAndGet(rowItem);
                        round.multiplied.incrementAndGet();
                    }
                }
                // The next round packs over this one's B: every multiplication with it must be over first.
                if (r < rounds.size() - 1) {
                    while (round.multiplied.get() < multiplyItems && !failed.get()) {
                        Thread.onSpinWait();
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            // The others stop waiting for items this thread will not finish; the pool hands e to the caller.
            failed.set(true);
            throw e;
        }
    }

    /** Spins until {@code counts[index]} reaches {@code target} (true) or another thread has failed (false). */
    private boolean awaitCount(AtomicIntegerArray counts, int index, int target) {
        while (counts.get(index) < target) {
            if (failed.get()) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    /** Packs panel {@code panel} of step block {@code block} of the round. */
    private void pack(Round round, int block, int panel) {
        int pc = round.stepStart(block);
        int kc = Math.min(KC, k - pc);
        SgemmPacking.packB(b, bOff, bRs, bCs, pc, kc, round.jc + panel * NR, Math.min(NR, round.nc - panel * NR),
                bPack, round.packedStart(block) + panel * NR * kc);
    }

    /** Row item {@code rowItem} against step block {@code block} of the round. */
    private void multiply(Round round, int block, int rowItem, Sgemm.Buffers buffers) {
        int i0 = rowItemStarts[rowItem];
        int pc = round.stepStart(block);
        int kc = Math.min(KC, k - pc);
        // Only the first block starts from the bias; the later ones continue from what it stored, and the last
        // one finishes each strip with the epilogue.
        Sgemm.multiplyRows(i0, rowItemStarts[rowItem + 1] - i0, pc, kc, round.jc, round.nc, a, aOff, aRs, aCs,
                bPack, round.packedStart(block), c, cOff, ldc, accumulate || pc > 0,
                pc == 0 ? bias : null, biasOff + round.jc, pc + kc == k ? epilogue : null, buffers);
    }

    /**
     * Columns {@code [jc, jc + nc)} and step blocks {@code [pc0, pc1)}, packed at once: how many of each block's
     * panels are packed, how many blocks each row item has had, and the next items to take.
     */
    private static final class Round {
        final int jc;
        final int nc;
        final int pc0;
        final int panels;
        final int blocks;
        final int rowItems;
        final AtomicInteger packNext = new AtomicInteger();
        final AtomicIntegerArray packed;
        final AtomicInteger multiplyNext = new AtomicInteger();
        final AtomicIntegerArray blocksDone;
        final AtomicInteger multiplied = new AtomicInteger();

        Round(int jc, int nc, int pc0, int pc1, int rowItems) {
            this.jc = jc;
            this.nc = nc;
            this.pc0 = pc0;
            this.panels = ceilDiv(nc, NR);
            this.blocks = ceilDiv(pc1 - pc0, KC);
            this.rowItems = rowItems;
            this.packed = new AtomicIntegerArray(blocks);
            this.blocksDone = new AtomicIntegerArray(rowItems);
        }

        int packItems() {
            return blocks * panels;
        }

        int multiplyItems() {
            return blocks * rowItems;
        }

        /** The first step of block {@code block}. */
        int stepStart(int block) {
            return pc0 + block * KC;
        }

        /** Where block {@code block}'s panels start in the packed B (every block but the last of k is KC steps). */
        int packedStart(int block) {
            return block * panels * NR * KC;
        }
    }
}
