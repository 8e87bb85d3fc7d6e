package io.jformer.kernels;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A caching device allocator: requests are rounded up to a size class, released blocks are kept per class and
 * handed out again, so a training loop that allocates the same shapes every step stops calling
 * {@code cuMemAlloc} (which synchronises the device) after its first step. Thread-safe: tensors are released
 * from the cleaner thread.
 *
 * <p>Size classes: multiples of 512 bytes up to 1 MiB, then four classes per power of two (at most 25% waste).
 * A block is reused only for its own class, which keeps the rule simple and the waste bounded. Blocks are
 * whole driver allocations (no splitting), so a block's device pointer is the allocation's.
 */
public final class CachingAllocator {

    static final long SMALL_LIMIT = 1L << 20;
    static final long SMALL_ROUND = 512;

    /** A device allocation of {@link #size()} bytes (its rounded size class). */
    public static final class Block {
        private final Object handle;
        private final long size;
        private boolean inUse;

        private Block(Object handle, long size) {
            this.handle = handle;
            this.size = size;
        }

        /** The raw allocation ({@code CUdeviceptr} on a real device). */
        public Object handle() {
            return handle;
        }

        public long size() {
            return size;
        }
    }

    private final RawDeviceMemory raw;
    private final Runnable reclaim;
    private final Map<Long, ArrayDeque<Block>> cache = new HashMap<>();
    private long allocated;
    private long reserved;
    private long cached;
    private long peakAllocated;
    private long peakReserved;
    private long mallocCalls;
    private long freeCalls;
    private long cacheHits;
    private long requests;

    /**
     * @param raw     the device's allocation calls
     * @param reclaim run once before giving up on an allocation: it should make unreachable tensors release
     *                their blocks (a garbage collection and a short wait for the cleaner)
     */
    CachingAllocator(RawDeviceMemory raw, Runnable reclaim) {
        this.raw = raw;
        this.reclaim = reclaim;
    }

    /** The size class of a request of {@code bytes}: what is actually reserved for it. */
    public static long roundSize(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative allocation size " + bytes);
        }
        if (bytes <= SMALL_LIMIT) {
            return Math.max(SMALL_ROUND, (bytes + SMALL_ROUND - 1) / SMALL_ROUND * SMALL_ROUND);
        }
        long step = Long.highestOneBit(bytes - 1) / 4;
        return (bytes + step - 1) / step * step;
    }

    /** A block of at least {@code bytes}, from the cache when one of its class is free. */
    public Block allocate(long bytes) {
        long size = roundSize(bytes);
        Block b;
        synchronized (this) {
            requests++;
            b = takeCached(size);
            if (b == null) {
                b = fresh(size);
            }
            if (b == null) {
                emptyCache();
                b = fresh(size);
            }
        }
        if (b == null) {
            // Outside the lock: the cleaner thread needs it to hand back the blocks of collected tensors.
            reclaim.run();
            synchronized (this) {
                b = takeCached(size);
                if (b == null) {
                    emptyCache();
                    b = fresh(size);
                }
                if (b == null) {
                    throw outOfMemory(bytes, size);
                }
            }
        }
        synchronized (this) {
            b.inUse = true;
            allocated += size;
            peakAllocated = Math.max(peakAllocated, allocated);
        }
        return b;
    }

    private Block takeCached(long size) {
        ArrayDeque<Block> q = cache.get(size);
        if (q == null || q.isEmpty()) {
            return null;
        }
        cacheHits++;
        cached -= size;
        return q.pop();
    }

    private Block fresh(long size) {
        Object h = raw.malloc(size);
        if (h == null) {
            return null;
        }
        mallocCalls++;
        reserved += size;
        peakReserved = Math.max(peakReserved, reserved);
        return new Block(h, size);
    }

    /** Returns a block to the cache (not to the driver). Releasing a block twice is an error. */
    public synchronized void release(Block b) {
        if (!b.inUse) {
            throw new IllegalStateException("block of " + b.size + " bytes released twice");
        }
        b.inUse = false;
        allocated -= b.size;
        cached += b.size;
        cache.computeIfAbsent(b.size, k -> new ArrayDeque<>()).push(b);
    }

    /** Gives every cached (free) block back to the driver; blocks in use are untouched. */
    public synchronized void emptyCache() {
        for (ArrayDeque<Block> q : cache.values()) {
            for (Block b : q) {
                raw.free(b.handle);
                freeCalls++;
                reserved -= b.size;
                cached -= b.size;
            }
            q.clear();
        }
    }

    public synchronized AllocatorStats stats() {
        return new AllocatorStats(allocated, reserved, cached, peakAllocated, peakReserved, mallocCalls, freeCalls,
                cacheHits, requests);
    }

    private CudaOutOfMemoryException outOfMemory(long bytes, long size) {
        long[] info = raw.memInfo();
        String device = info == null ? "" : "; the driver reports " + formatBytes(info[0]) + " free of "
                + formatBytes(info[1]);
        return new CudaOutOfMemoryException("CUDA out of memory: tried to allocate " + formatBytes(bytes)
                + " (size class " + formatBytes(size) + "); this process holds " + formatBytes(allocated)
                + " in live tensors and " + formatBytes(reserved) + " reserved in all" + device
                + ". Reduce the batch size or sequence length, or free tensors (close() them) sooner.");
    }

    static String formatBytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }
}
