package io.jformer.tensor.cpu;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed pool of worker threads for the CPU kernels.
 *
 * <p>Work is split statically: {@link #parallelFor} cuts {@code [0, n)} into at most {@link #threads()}
 * contiguous ranges whose bounds depend only on {@code n}, the grain and the thread count. Kernels that
 * combine partial results do so in range order, so a fixed thread count gives bit-identical results on
 * every run. The calling thread runs the first range itself; a call made from inside a worker runs
 * inline, so kernels may nest without deadlock.
 *
 * <p>Threads wait for each other by polling for a short while ({@link #SPIN_NANOS}) before they block. Waking a
 * blocked thread costs a futex call, and on a virtual machine whose idle vCPU has halted, tens of microseconds:
 * on the 2-core dev VM a parallel op with no work took 43 µs against a blocked worker and 7 µs against one still
 * polling, and a MiniLM forward pass makes about 130 of them. The system property {@code jformer.cpu.spinMicros}
 * sets the window (0 blocks at once, for machines whose cores are shared with other busy processes).
 */
public final class WorkerPool implements AutoCloseable {

    /** A loop body over the half-open range {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeBody {
        /** Runs the body for the items {@code start} (inclusive) to {@code end} (exclusive). */
        void run(int start, int end);
    }

    private static final ThreadLocal<Boolean> INSIDE_WORKER = ThreadLocal.withInitial(() -> false);

    /** How long an idle thread polls for work, or for the other ranges to finish, before it blocks. */
    static final long SPIN_NANOS = Long.getLong("jformer.cpu.spinMicros", 100) * 1000;

    private final int threads;
    private final ExecutorService executor;

    /** Creates a pool that runs loops on {@code threads} threads (the caller counts as one). */
    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.executor = threads == 1 ? null : new ThreadPoolExecutor(threads - 1, threads - 1, 0, TimeUnit.SECONDS,
                new PollingQueue(), daemonFactory());
    }

    private static ThreadFactory daemonFactory() {
        AtomicInteger counter = new AtomicInteger();
        return r -> {
            Thread t = new Thread(() -> {
                INSIDE_WORKER.set(true);
                r.run();
            }, "jformer-cpu-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** A work queue whose idle workers poll for {@link #SPIN_NANOS} before they block in {@code take}. */
    private static final class PollingQueue extends LinkedBlockingQueue<Runnable> {

        @Override
        public Runnable take() throws InterruptedException {
            long deadline = System.nanoTime() + SPIN_NANOS;
            do {
                Runnable r = poll();
                if (r != null) {
                    return r;
                }
                Thread.onSpinWait();
            } while (System.nanoTime() - deadline < 0);
            return super.take();
        }
    }

    /** The number of threads loops are split across (the caller counts as one). */
    public int threads() {
        return threads;
    }

    /** Number of ranges {@link #parallelFor} will use for {@code n} items with at least {@code grain} items each. */
    public int chunks(int n, int grain) {
        if (n <= 0) {
            return 0;
        }
        if (executor == null || INSIDE_WORKER.get()) {
            return 1;
        }
        int byGrain = (int) Math.max(1, n / (long) Math.max(1, grain));
        return Math.min(threads, Math.min(byGrain, n));
    }

    /** Start of range {@code chunk} out of {@code chunks} over {@code n} items. */
    public static int chunkStart(int n, int chunks, int chunk) {
        return (int) ((long) n * chunk / chunks);
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into at most {@code threads()} ranges of at least
     * {@code grain} items. Returns when every range has finished; rethrows the first failure.
     */
    public void parallelFor(int n, int grain, RangeBody body) {
        int chunks = chunks(n, grain);
        if (chunks == 0) {
            return;
        }
        if (chunks == 1) {
            body.run(0, n);
            return;
        }
        parallelChunks(chunks, c -> body.run(chunkStart(n, chunks, c), chunkStart(n, chunks, c + 1)));
    }

    /** Runs {@code task(c)} for every {@code c} in {@code [0, chunks)}, one per thread. */
    public void parallelChunks(int chunks, java.util.function.IntConsumer task) {
        if (chunks <= 1 || executor == null || INSIDE_WORKER.get()) {
            for (int c = 0; c < chunks; c++) {
                task.accept(c);
            }
            return;
        }
        @SuppressWarnings("unchecked")
        Future<?>[] futures = new Future<?>[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            int chunk = c;
            futures[c - 1] = executor.submit(() -> task.accept(chunk));
        }
        Throwable failure = null;
        INSIDE_WORKER.set(true);
        try {
            task.accept(0);
        } catch (Throwable t) {
            failure = t;
        } finally {
            INSIDE_WORKER.set(false);
        }
        for (Future<?> f : futures) {
            long deadline = System.nanoTime() + SPIN_NANOS;
            while (!f.isDone() && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException("CPU worker failed", failure);
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
